//! Why a run cannot go on: typed errors with a code from the diagnostic registry
//! ([`Code`], range E1xx), carrying the mapping's diagnostics when the mapping is the cause.

use serde::{Deserialize, Serialize};
use tributary_mapping::{Code, Diagnostic};

use crate::client::CallError;

/// A storage operation of the host failed (Forge KVS, the CLI's state directory).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{message}")]
pub struct StorageError {
    /// What failed.
    pub message: String,
    /// The store refused the call for its rate limit (Forge KVS: 429 `RATE_LIMIT_EXCEEDED`):
    /// the same call may pass after a wait.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub throttled: bool,
}

impl StorageError {
    /// A storage failure that waiting does not mend.
    pub fn new(message: impl Into<String>) -> Self {
        StorageError {
            message: message.into(),
            throttled: false,
        }
    }

    /// The store's rate limit refused the call.
    pub fn throttled(message: impl Into<String>) -> Self {
        StorageError {
            message: message.into(),
            throttled: true,
        }
    }
}

/// The mapping text has errors: the run did not start.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("the mapping has errors: {}", summary(.diagnostics))]
pub struct MappingError {
    /// The error diagnostics (warnings left out), located in the text.
    pub diagnostics: Vec<Diagnostic>,
}

fn summary(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("line {}, column {}: {}", d.line, d.column, d.message))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A run-level failure: the run stops, and its report says why with a stable code.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RunError {
    /// The mapping has errors.
    #[error(transparent)]
    Mapping(#[from] MappingError),
    /// The mapping does not fit the resolved object type (unknown attribute, lookup on a
    /// plain attribute...).
    #[error("the mapping does not fit object type {object_type_id}: {}", summary(.diagnostics))]
    DoesNotFit {
        /// The object type checked against.
        object_type_id: String,
        /// What does not fit, located in the mapping text.
        diagnostics: Vec<Diagnostic>,
    },
    /// The options are invalid (an id with characters storage keys cannot hold).
    #[error("{0}")]
    InvalidOptions(String),
    /// The Jira site has no Assets workspace.
    #[error("this Jira site has no Assets workspace (Assets needs JSM Premium or Enterprise)")]
    NoWorkspace,
    /// Neither the mapping nor the options name the object type.
    #[error("no target object type: add config:objectType=<name or id> to the mapping or pass objectType")]
    NoTargetType,
    /// The object schema or type named does not exist, or the name is ambiguous.
    #[error("{0}")]
    TargetNotFound(String),
    /// The object type lacks the attribute named by the `key:` line.
    #[error("object type {object_type} has no attribute named {attribute:?} (the key: line)")]
    NoKeyAttribute {
        /// The object type as named.
        object_type: String,
        /// The key attribute's name.
        attribute: String,
    },
    /// `config:missing` names an attribute or status the object type does not have.
    #[error("{0}")]
    MissingPolicy(String),
    /// A service failed for good (refused, unreachable after retries, unreadable answer).
    #[error("{service}: {error}{}", advice(service, error))]
    Service {
        /// `JumpCloud` or `Assets`.
        service: &'static str,
        /// What failed.
        error: CallError,
    },
    /// The host's storage failed.
    #[error("storage failed: {0}")]
    Storage(#[from] StorageError),
    /// A slice of the run was stopped (out of the invocation's time, or killed) each time it
    /// ran, before it stored its work: the run stops instead of running it once more.
    #[error("slice {slice} of this run was stopped {stopped} times in a row before it could store its work (the last seen in phase {phase}), so the run stops instead of trying it again; what it wrote stays, and the next run starts afresh. If this repeats, the import needs more than one invocation can do at that point: report it with this run's id")]
    SliceKeepsStopping {
        /// The queue slice.
        slice: u64,
        /// Invocations stopped running it, one after another.
        stopped: u32,
        /// The phase the last of them reported.
        phase: String,
    },
    /// No record could be written: each was refused or skipped (the reasons are in `errors`).
    #[error("none of the {failed} record(s) could be written (each was refused by Assets or skipped); the reasons are listed per record")]
    NothingWritten {
        /// Records that failed.
        failed: u64,
    },
}

impl RunError {
    /// The registry code of this failure.
    pub fn code(&self) -> Code {
        match self {
            RunError::Mapping(_) => Code::RunMappingErrors,
            RunError::DoesNotFit { .. } => Code::RunMappingDoesNotFit,
            RunError::InvalidOptions(_) => Code::RunInvalidOptions,
            RunError::NoWorkspace => Code::RunNoWorkspace,
            RunError::NoTargetType => Code::RunNoTargetType,
            RunError::TargetNotFound(_) => Code::RunTargetNotFound,
            RunError::NoKeyAttribute { .. } => Code::RunNoKeyAttribute,
            RunError::MissingPolicy(_) => Code::RunBadMissingPolicy,
            RunError::Service { .. } => Code::RunServiceFailed,
            RunError::Storage(_) => Code::RunStorageFailed,
            RunError::NothingWritten { .. } => Code::RunNothingWritten,
            RunError::SliceKeepsStopping { .. } => Code::RunSliceKeepsStopping,
        }
    }

    /// The mapping diagnostics behind this failure, when the mapping is the cause.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            RunError::Mapping(e) => &e.diagnostics,
            RunError::DoesNotFit { diagnostics, .. } => diagnostics,
            _ => &[],
        }
    }

    /// A JumpCloud call that failed for good.
    pub fn jumpcloud(error: CallError) -> Self {
        RunError::Service {
            service: "JumpCloud",
            error,
        }
    }

    /// An Assets (or Jira) call that failed for good.
    pub fn assets(error: CallError) -> Self {
        RunError::Service {
            service: "Assets",
            error,
        }
    }
}

/// What an admin can do about a refusal, when the status says who refused what: JumpCloud's
/// multi-tenant keys need an organization id, and a 401 or 403 names the credential to check.
fn advice(service: &str, error: &CallError) -> String {
    let CallError::Status { status, message } = error else {
        return String::new();
    };
    let lower = message.to_lowercase();
    let text = match (service, status) {
        ("JumpCloud", 401) if lower.contains("organization") || lower.contains("org id") => {
            "this is a multi-tenant (MTP) admin key without an organization: set the organization id (Org ID in the settings, JUMPCLOUD_ORG_ID for the CLI)"
        }
        ("JumpCloud", 401) => {
            "JumpCloud refused the API key: check it in the settings (JUMPCLOUD_API_KEY for the CLI; a key stops working when its admin regenerates it), and for a multi-tenant admin key set the organization id too"
        }
        ("JumpCloud", 403) => {
            "JumpCloud refused access: the admin whose API key this is needs read access to users, devices and groups, and the organization id (if set) must be one this admin manages"
        }
        (_, 401) => {
            "Jira refused the credentials: for the CLI check JIRA_EMAIL and JIRA_API_TOKEN (an Atlassian API token of that account); in Jira, reinstall the app"
        }
        (_, 403) => {
            "Assets refused access: the account (or the app) needs the Assets permission for this object schema; in the CLI, the token's account must be an Assets user with write access to the schema"
        }
        _ => return String::new(),
    };
    format!(" — {text}")
}

/// A run failure as data, in the run report and the stored run record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunFailure {
    /// Stable code, e.g. `E101`.
    pub code: Code,
    /// What happened, in one sentence.
    pub message: String,
    /// The mapping's diagnostics, when the mapping is the cause.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<Diagnostic>,
}

impl From<&RunError> for RunFailure {
    fn from(error: &RunError) -> Self {
        RunFailure {
            code: error.code(),
            message: error.to_string(),
            diagnostics: error.diagnostics().to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(service: fn(CallError) -> RunError, status: u16, message: &str) -> String {
        service(CallError::Status {
            status,
            message: message.into(),
        })
        .to_string()
    }

    #[test]
    fn refusals_say_who_refused_and_what_to_check() {
        let mtp = refused(
            RunError::jumpcloud,
            401,
            "Unauthorized: no organization selected",
        );
        assert!(
            mtp.starts_with("JumpCloud: HTTP 401: Unauthorized"),
            "{mtp}"
        );
        assert!(
            mtp.contains("multi-tenant") && mtp.contains("JUMPCLOUD_ORG_ID"),
            "{mtp}"
        );
        let key = refused(RunError::jumpcloud, 401, "Unauthorized");
        assert!(key.contains("JumpCloud refused the API key"), "{key}");
        assert!(refused(RunError::jumpcloud, 403, "Forbidden").contains("read access"));
        let jira = refused(RunError::assets, 401, "Client must be authenticated");
        assert!(
            jira.contains("Jira refused the credentials") && jira.contains("JIRA_API_TOKEN"),
            "{jira}"
        );
        assert!(refused(RunError::assets, 403, "no").contains("Assets permission"));
        // Other failures are told as they are.
        assert_eq!(
            refused(RunError::assets, 500, "boom"),
            "Assets: HTTP 500: boom"
        );
        let cut = RunError::jumpcloud(CallError::Transport("reset".into())).to_string();
        assert_eq!(cut, "JumpCloud: no response: reset");
    }
}
