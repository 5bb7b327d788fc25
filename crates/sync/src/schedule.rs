//! When a scheduled import is due. Forge's scheduled trigger ticks hourly (at a consistent
//! offset per installation, possibly twice); the import's own schedule decides whether a tick
//! starts it.

/// How often an import runs by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    /// Only when an admin presses *Run now*.
    Manual,
    /// Every hourly tick.
    Hourly,
    /// Once a day.
    Daily,
    /// Once a week.
    Weekly,
}

const HOUR_MS: f64 = 3_600_000.0;
/// Ticks drift by seconds to minutes; without slack a daily import would slip an hour a day.
const TICK_SLACK_MS: f64 = 10.0 * 60_000.0;

impl Schedule {
    /// Every schedule, in the order a picker lists them.
    pub const ALL: &'static [Schedule] = &[
        Schedule::Manual,
        Schedule::Hourly,
        Schedule::Daily,
        Schedule::Weekly,
    ];

    /// The name stored with an import: `manual`, `hourly`, `daily` or `weekly`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Hourly => "hourly",
            Self::Daily => "daily",
            Self::Weekly => "weekly",
        }
    }

    /// Parses a schedule's name (exact, lower-case).
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|s| s.name() == text)
    }

    fn interval_ms(self) -> Option<f64> {
        match self {
            Self::Manual => None,
            Self::Hourly => Some(HOUR_MS),
            Self::Daily => Some(24.0 * HOUR_MS),
            Self::Weekly => Some(7.0 * 24.0 * HOUR_MS),
        }
    }

    /// Whether a tick at `now_ms` should start the import, given when the scheduler last
    /// started it (`None`: never). A duplicate tick right after a start is never due.
    pub fn is_due(self, last_started_ms: Option<f64>, now_ms: f64) -> bool {
        match (self.interval_ms(), last_started_ms) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(interval), Some(last)) => now_ms - last >= interval - TICK_SLACK_MS,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: f64 = 1_800_000_000_000.0;

    #[test]
    fn manual_is_never_due() {
        assert!(!Schedule::Manual.is_due(None, T0));
    }

    #[test]
    fn never_started_is_due() {
        assert!(Schedule::Weekly.is_due(None, T0));
    }

    #[test]
    fn duplicate_tick_is_not_due() {
        assert!(!Schedule::Hourly.is_due(Some(T0), T0 + 30_000.0));
    }

    #[test]
    fn ticks_that_drift_early_still_count() {
        assert!(Schedule::Hourly.is_due(Some(T0), T0 + HOUR_MS - 60_000.0));
        assert!(Schedule::Daily.is_due(Some(T0), T0 + 24.0 * HOUR_MS - 5.0 * 60_000.0));
        assert!(!Schedule::Daily.is_due(Some(T0), T0 + 23.0 * HOUR_MS));
        assert!(!Schedule::Weekly.is_due(Some(T0), T0 + 6.0 * 24.0 * HOUR_MS));
        assert!(Schedule::Weekly.is_due(Some(T0), T0 + 7.0 * 24.0 * HOUR_MS));
    }

    #[test]
    fn parse_names() {
        assert_eq!(Schedule::parse("daily"), Some(Schedule::Daily));
        assert_eq!(Schedule::parse("Daily"), None);
    }
}
