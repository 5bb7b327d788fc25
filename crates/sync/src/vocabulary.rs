//! The names the hosts and the settings page need, each defined once in the core: they get
//! them from here (the wasm `vocabulary()` export) instead of keeping copies.

use serde::Serialize;
use tributary_mapping::{Code, Severity, CONFIG_NAMES, MISSING_ACTIONS, ROW_OPTIONS};
use tributary_models::jumpcloud::{Collection, Region};

use crate::engine::store::{keys, ID_PUNCTUATION, MAX_ID_LEN};
use crate::plan::RetireAction;
use crate::report::{RunPhase, RunStatus};
use crate::schedule::{Frequency, Weekday};

/// Every vocabulary at once.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Vocabulary {
    /// `config:api` values (JumpCloud collections).
    pub collections: Vec<&'static str>,
    /// `config:` names.
    pub config_keys: &'static [&'static str],
    /// Options after a row's attribute (transforms, `when`, `byKey`, `arraySeparator`).
    pub row_options: &'static [&'static str],
    /// Schedule frequencies, in picker order.
    pub schedules: Vec<&'static str>,
    /// Days a weekly schedule can name, Monday first.
    pub weekdays: Vec<&'static str>,
    /// JumpCloud regions, the default first.
    pub regions: Vec<RegionEntry>,
    /// Run statuses.
    pub run_statuses: Vec<&'static str>,
    /// Run phases, in run order.
    pub run_phases: Vec<&'static str>,
    /// `config:missing` actions, in the order a picker offers them.
    pub missing_actions: [&'static str; 3],
    /// What a run did with each missing object (`action` of a report's retire entries).
    pub retire_actions: Vec<&'static str>,
    /// The rule for import and run ids.
    pub id_rule: IdRule,
    /// The storage key layout hosts list or clean up.
    pub storage: StorageKeys,
    /// Every diagnostic and run-failure code.
    pub codes: Vec<CodeEntry>,
}

/// A JumpCloud region.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegionEntry {
    /// `US`, `EU` or `IN`.
    pub code: &'static str,
    /// Its API base URL.
    pub base_url: &'static str,
}

/// What an import or run id may hold.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IdRule {
    /// The longest id.
    pub max_length: usize,
    /// A JavaScript regular expression source that matches exactly the valid ids.
    pub pattern: String,
}

/// Storage key prefixes.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StorageKeys {
    /// Every key the engine writes starts with this.
    pub prefix: &'static str,
    /// Run records: `{runPrefix}{importId}:{runId}`.
    pub run_prefix: &'static str,
    /// A run's per-record results: `{resultsPrefix}{importId}:{runId}:{chunk}`.
    pub results_prefix: &'static str,
}

/// A registry code.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeEntry {
    /// E.g. `E020`.
    pub code: &'static str,
    /// `error` or `warning`.
    pub severity: Severity,
    /// What it means.
    pub summary: &'static str,
}

/// The vocabularies.
pub fn vocabulary() -> Vocabulary {
    Vocabulary {
        collections: Collection::ALL.iter().map(|c| c.name).collect(),
        config_keys: CONFIG_NAMES,
        row_options: ROW_OPTIONS,
        schedules: Frequency::ALL.iter().map(|s| s.name()).collect(),
        weekdays: Weekday::ALL.iter().map(|d| d.name()).collect(),
        regions: Region::ALL
            .iter()
            .map(|r| RegionEntry {
                code: r.code(),
                base_url: r.base_url(),
            })
            .collect(),
        run_statuses: RunStatus::ALL.iter().map(|s| s.name()).collect(),
        run_phases: RunPhase::ALL.iter().map(|p| p.name()).collect(),
        missing_actions: MISSING_ACTIONS,
        retire_actions: RetireAction::ALL.iter().map(|a| a.name()).collect(),
        id_rule: IdRule {
            max_length: MAX_ID_LEN,
            pattern: format!(
                "^[A-Za-z0-9{}]{{1,{MAX_ID_LEN}}}$",
                ID_PUNCTUATION.replace('-', "\\-")
            ),
        },
        storage: StorageKeys {
            prefix: keys::PREFIX,
            run_prefix: keys::RUN_PREFIX,
            results_prefix: keys::RESULTS_PREFIX,
        },
        codes: Code::ALL
            .iter()
            .map(|c| CodeEntry {
                code: c.as_str(),
                severity: c.severity(),
                summary: c.summary(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_what_serde_writes() {
        for status in RunStatus::ALL {
            assert_eq!(
                serde_json::to_value(status).unwrap(),
                serde_json::json!(status.name())
            );
        }
        for phase in RunPhase::ALL {
            assert_eq!(
                serde_json::to_value(phase).unwrap(),
                serde_json::json!(phase.name())
            );
        }
        for action in RetireAction::ALL {
            assert_eq!(
                serde_json::to_value(action).unwrap(),
                serde_json::json!(action.name())
            );
        }
    }

    #[test]
    fn the_id_pattern_is_the_id_rule() {
        let v = vocabulary();
        assert_eq!(v.id_rule.pattern, "^[A-Za-z0-9._\\-]{1,100}$");
        assert!(crate::engine::store::valid_id("users.v2_a-b"));
        assert!(!crate::engine::store::valid_id("a b"));
    }
}
