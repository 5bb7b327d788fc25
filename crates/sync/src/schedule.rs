//! When a scheduled import runs. Forge's scheduled trigger ticks every five minutes (at a
//! consistent offset per installation, possibly twice); the import's schedule decides whether
//! a tick starts it and when it runs next.
//!
//! A schedule is a frequency, and for daily and weekly runs a time of day (and a weekday) in a
//! time zone: `{"every": "daily", "at": "06:30", "timeZone": "Europe/Oslo"}`. The plain names
//! of earlier versions (`"hourly"`) are still read. Daily and weekly runs with a time are
//! anchored to that time, so they never drift; the others run an interval after the last start.
//! Time zones are an IANA name; their offsets come from the host ([`TimeZones`]: the browser and
//! Node know them through `Intl`), so the core carries no time zone database.

use serde::{Deserialize, Serialize};

/// How often an import runs by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Frequency {
    /// Only when an admin presses *Run now*.
    Manual,
    /// Every five minutes (Forge's shortest trigger interval).
    FiveMinutes,
    /// Every hour.
    Hourly,
    /// Once a day (at `at`, when given).
    Daily,
    /// Once a week (on `day` at `at`, when given).
    Weekly,
}

const MINUTE_MS: f64 = 60_000.0;
const HOUR_MS: f64 = 60.0 * MINUTE_MS;
const DAY_MS: f64 = 24.0 * HOUR_MS;
/// Ticks come every five minutes and drift by seconds: an interval counts as passed this much
/// early, so a tick a little early does not push the run to the next tick.
const TICK_SLACK_MS: f64 = 2.0 * MINUTE_MS;
/// How often the scheduled trigger ticks (`interval: fiveMinute` in the manifest): a slot is
/// caught by the first tick after it.
const TICK_INTERVAL_MS: f64 = 5.0 * MINUTE_MS;

impl Frequency {
    /// Every frequency, in the order a picker lists them.
    pub const ALL: &'static [Frequency] = &[
        Frequency::Manual,
        Frequency::FiveMinutes,
        Frequency::Hourly,
        Frequency::Daily,
        Frequency::Weekly,
    ];

    /// The name stored with an import: `manual`, `fiveMinutes`, `hourly`, `daily`, `weekly`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::FiveMinutes => "fiveMinutes",
            Self::Hourly => "hourly",
            Self::Daily => "daily",
            Self::Weekly => "weekly",
        }
    }

    /// Parses a frequency's name (exact).
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|s| s.name() == text)
    }

    fn interval_ms(self) -> Option<f64> {
        match self {
            Self::Manual => None,
            Self::FiveMinutes => Some(5.0 * MINUTE_MS),
            Self::Hourly => Some(HOUR_MS),
            Self::Daily => Some(DAY_MS),
            Self::Weekly => Some(7.0 * DAY_MS),
        }
    }
}

/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Weekday {
    /// Monday.
    Monday,
    /// Tuesday.
    Tuesday,
    /// Wednesday.
    Wednesday,
    /// Thursday.
    Thursday,
    /// Friday.
    Friday,
    /// Saturday.
    Saturday,
    /// Sunday.
    Sunday,
}

impl Weekday {
    /// Every day, Monday first.
    pub const ALL: &'static [Weekday] = &[
        Self::Monday,
        Self::Tuesday,
        Self::Wednesday,
        Self::Thursday,
        Self::Friday,
        Self::Saturday,
        Self::Sunday,
    ];

    /// The name stored with a schedule: `monday` … `sunday`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Monday => "monday",
            Self::Tuesday => "tuesday",
            Self::Wednesday => "wednesday",
            Self::Thursday => "thursday",
            Self::Friday => "friday",
            Self::Saturday => "saturday",
            Self::Sunday => "sunday",
        }
    }

    /// Monday = 0 … Sunday = 6.
    fn index(self) -> i64 {
        Self::ALL.iter().position(|d| *d == self).expect("listed") as i64
    }
}

/// An import's schedule, as stored with it and shown on the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Schedule {
    /// How often.
    pub every: Frequency,
    /// For daily and weekly runs: the time of day, `HH:MM` (24 h).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// For weekly runs: the day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day: Option<Weekday>,
    /// The time zone `at` is in (an IANA name such as `Europe/Oslo`); UTC when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

/// Time zone offsets, from the host (the core has no time zone database).
pub trait TimeZones {
    /// The offset of `zone` from UTC at the instant `utc_ms`, in milliseconds (east positive),
    /// or why the zone is unknown.
    fn offset_ms(&self, zone: &str, utc_ms: f64) -> Result<f64, String>;
}

/// Knows only UTC: for hosts without time zones and for schedules that name none.
pub struct UtcOnly;

impl TimeZones for UtcOnly {
    fn offset_ms(&self, zone: &str, _: f64) -> Result<f64, String> {
        match zone {
            "UTC" | "Etc/UTC" => Ok(0.0),
            other => Err(format!("unknown time zone {other:?}")),
        }
    }
}

impl Schedule {
    /// A schedule of just a frequency (what the plain names of earlier versions mean).
    pub fn every(every: Frequency) -> Self {
        Schedule {
            every,
            at: None,
            day: None,
            time_zone: None,
        }
    }

    /// A schedule from what an import stores: a frequency's name, or the object form. Says
    /// what is wrong with a bad one (checked against `zones` when it names a time zone).
    pub fn from_value(value: &serde_json::Value, zones: &dyn TimeZones) -> Result<Self, String> {
        let schedule = match value {
            serde_json::Value::String(name) => Frequency::parse(name)
                .map(Schedule::every)
                .ok_or_else(|| format!("unknown schedule '{name}': expected one of {}", names()))?,
            other => serde_json::from_value::<Schedule>(other.clone())
                .map_err(|e| format!("bad schedule: {e} (expected {{every, at?, day?, timeZone?}} with every one of {})", names()))?,
        };
        schedule.check(zones)?;
        Ok(schedule)
    }

    fn check(&self, zones: &dyn TimeZones) -> Result<(), String> {
        if self.at.is_some() && !matches!(self.every, Frequency::Daily | Frequency::Weekly) {
            return Err(format!(
                "a time of day goes with daily or weekly runs, not {}",
                self.every.name()
            ));
        }
        if self.day.is_some() && self.every != Frequency::Weekly {
            return Err(format!(
                "a weekday goes with weekly runs, not {}",
                self.every.name()
            ));
        }
        if let Some(at) = &self.at {
            minutes_of(at)
                .ok_or_else(|| format!("bad time of day '{at}': write it as HH:MM, e.g. 06:30"))?;
        }
        if let Some(zone) = &self.time_zone {
            zones.offset_ms(zone, 0.0)?;
        }
        Ok(())
    }

    /// When the import runs next after a start at `last_started_ms` (`None`: never started,
    /// so from `now_ms` on); `None` for manual imports. An overdue run's time is in the past.
    pub fn next_run(
        &self,
        last_started_ms: Option<f64>,
        now_ms: f64,
        zones: &dyn TimeZones,
    ) -> Result<Option<f64>, String> {
        let Some(interval) = self.every.interval_ms() else {
            return Ok(None);
        };
        let Some(at) = self.at.as_deref().and_then(minutes_of) else {
            return Ok(Some(last_started_ms.map_or(now_ms, |last| last + interval)));
        };
        // Anchored: the first slot after the last start (a start a few minutes early counts
        // for its slot); never started, the first slot a tick can still catch.
        let from = match last_started_ms {
            Some(last) => last + 2.0 * TICK_SLACK_MS,
            None => now_ms - TICK_INTERVAL_MS - TICK_SLACK_MS,
        };
        let zone = self.time_zone.as_deref().unwrap_or("UTC");
        let local_from = from + zones.offset_ms(zone, from)?;
        let mut day = (local_from / DAY_MS).floor();
        for _ in 0..9 {
            let weekday_fits = match (self.every, self.day) {
                (Frequency::Weekly, Some(wanted)) => weekday_of(day) == wanted.index(),
                _ => true,
            };
            if weekday_fits {
                let local = day * DAY_MS + f64::from(at) * MINUTE_MS;
                let utc = to_utc(local, zone, zones)?;
                if utc >= from {
                    return Ok(Some(utc));
                }
            }
            day += 1.0;
        }
        // A weekly schedule without a day: a week after the last start, at the time.
        Ok(Some(from + interval))
    }

    /// Whether an import this (scheduled) import depends on is stale at `now_ms`: it never
    /// succeeded, or its last success (`last_succeeded_ms`) is older than this schedule's
    /// interval, so the dependent would otherwise link against data older than its own cycle.
    /// A manual schedule has no cycle: only a dependency that never succeeded is stale for it.
    pub fn is_dependency_stale(&self, last_succeeded_ms: Option<f64>, now_ms: f64) -> bool {
        match (last_succeeded_ms, self.every.interval_ms()) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(last), Some(interval)) => now_ms - last >= interval - TICK_SLACK_MS,
        }
    }

    /// Whether a tick at `now_ms` should start the import. A duplicate tick right after a
    /// start is never due.
    pub fn is_due(
        &self,
        last_started_ms: Option<f64>,
        now_ms: f64,
        zones: &dyn TimeZones,
    ) -> Result<bool, String> {
        Ok(self
            .next_run(last_started_ms, now_ms, zones)?
            .is_some_and(|next| next <= now_ms + TICK_SLACK_MS))
    }
}

/// The frequency names, for messages.
fn names() -> String {
    Frequency::ALL
        .iter()
        .map(|f| f.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `HH:MM` → minutes after midnight.
fn minutes_of(at: &str) -> Option<u16> {
    let (h, m) = at.split_once(':')?;
    let digits = |t: &str, lengths: &[usize]| {
        lengths.contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(h, &[1, 2]) || !digits(m, &[2]) {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// Monday = 0 for a day number counted from 1970-01-01 (a Thursday).
fn weekday_of(day: f64) -> i64 {
    ((day as i64 + 3) % 7 + 7) % 7
}

/// A local wall-clock time (as ms since the epoch read as UTC) to the UTC instant. In a
/// spring-forward gap the time a gap skips lands after it; in a fall-back overlap, the first.
fn to_utc(local: f64, zone: &str, zones: &dyn TimeZones) -> Result<f64, String> {
    let guess = local - zones.offset_ms(zone, local)?;
    let offset = zones.offset_ms(zone, guess)?;
    let second = local - offset;
    let settled = zones.offset_ms(zone, second)?;
    Ok(if settled == offset {
        second
    } else {
        local - settled.max(offset)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-03-02T00:00:00Z, a Monday.
    const MONDAY: f64 = 1_772_409_600_000.0;

    /// A zone one hour east of UTC that moves to two hours on 2026-03-29 at 01:00 UTC (as
    /// Central Europe does), back on 2026-10-25 at 01:00 UTC.
    struct Cet;
    impl TimeZones for Cet {
        fn offset_ms(&self, zone: &str, utc_ms: f64) -> Result<f64, String> {
            match zone {
                "Europe/Oslo" => {
                    let summer = (1_774_746_000_000.0..1_792_890_000_000.0).contains(&utc_ms);
                    Ok(if summer { 2.0 * HOUR_MS } else { HOUR_MS })
                }
                other => UtcOnly.offset_ms(other, utc_ms),
            }
        }
    }

    fn schedule(value: serde_json::Value) -> Schedule {
        Schedule::from_value(&value, &Cet).unwrap()
    }

    #[test]
    fn a_dependency_is_stale_when_older_than_the_dependents_cycle() {
        let daily = schedule(serde_json::json!({"every": "daily", "at": "06:00"}));
        assert!(daily.is_dependency_stale(None, MONDAY), "never succeeded");
        assert!(!daily.is_dependency_stale(Some(MONDAY - 3.0 * HOUR_MS), MONDAY));
        assert!(daily.is_dependency_stale(Some(MONDAY - 25.0 * HOUR_MS), MONDAY));
        // A success a minute short of a day is a tick's drift, not fresh data.
        assert!(daily.is_dependency_stale(Some(MONDAY - DAY_MS + MINUTE_MS), MONDAY));
        let manual = schedule(serde_json::json!("manual"));
        assert!(manual.is_dependency_stale(None, MONDAY));
        assert!(!manual.is_dependency_stale(Some(0.0), MONDAY));
    }

    #[test]
    fn manual_never_runs_and_never_started_is_due() {
        let manual = schedule(serde_json::json!("manual"));
        assert_eq!(manual.next_run(None, MONDAY, &Cet), Ok(None));
        assert_eq!(manual.is_due(None, MONDAY, &Cet), Ok(false));
        assert_eq!(
            schedule(serde_json::json!("weekly")).is_due(None, MONDAY, &Cet),
            Ok(true)
        );
    }

    #[test]
    fn intervals_count_from_the_last_start_and_a_duplicate_tick_is_not_due() {
        let hourly = schedule(serde_json::json!("hourly"));
        assert_eq!(
            hourly.is_due(Some(MONDAY), MONDAY + 30_000.0, &Cet),
            Ok(false)
        );
        assert_eq!(
            hourly.is_due(Some(MONDAY), MONDAY + HOUR_MS - 60_000.0, &Cet),
            Ok(true)
        );
        assert_eq!(
            hourly.is_due(Some(MONDAY), MONDAY + 50.0 * MINUTE_MS, &Cet),
            Ok(false)
        );
        let five = schedule(serde_json::json!({"every": "fiveMinutes"}));
        assert_eq!(
            five.is_due(Some(MONDAY), MONDAY + 5.0 * MINUTE_MS, &Cet),
            Ok(true)
        );
        assert_eq!(
            five.is_due(Some(MONDAY), MONDAY + MINUTE_MS, &Cet),
            Ok(false)
        );
        assert_eq!(
            hourly.next_run(Some(MONDAY), MONDAY + 10.0 * MINUTE_MS, &Cet),
            Ok(Some(MONDAY + HOUR_MS))
        );
    }

    #[test]
    fn daily_at_a_time_in_a_zone_is_anchored_and_follows_summer_time() {
        let daily = schedule(
            serde_json::json!({"every": "daily", "at": "06:30", "timeZone": "Europe/Oslo"}),
        );
        // Never started, Monday 00:00 UTC (01:00 in Oslo): today 06:30 Oslo = 05:30 UTC.
        let first = daily.next_run(None, MONDAY, &Cet).unwrap().unwrap();
        assert_eq!(first, MONDAY + 5.5 * HOUR_MS);
        assert_eq!(daily.is_due(None, MONDAY, &Cet), Ok(false));
        assert_eq!(daily.is_due(None, first + 3.0 * MINUTE_MS, &Cet), Ok(true));
        // Started by a tick three minutes late: the next slot is tomorrow 06:30, not later.
        let started = first + 3.0 * MINUTE_MS;
        assert_eq!(
            daily.next_run(Some(started), started, &Cet),
            Ok(Some(first + DAY_MS))
        );
        // A duplicate tick of the same slot is not due; one a little early for tomorrow is.
        assert_eq!(
            daily.is_due(Some(started), started + MINUTE_MS, &Cet),
            Ok(false)
        );
        assert_eq!(
            daily.is_due(Some(started), first + DAY_MS - MINUTE_MS, &Cet),
            Ok(true)
        );
        // After the clocks go forward (2026-03-29), 06:30 in Oslo is 04:30 UTC.
        let march_30 = MONDAY + 28.0 * DAY_MS;
        let next = daily
            .next_run(Some(march_30), march_30, &Cet)
            .unwrap()
            .unwrap();
        assert_eq!(next, march_30 + 4.5 * HOUR_MS);
    }

    #[test]
    fn weekly_on_a_day_at_a_time() {
        let weekly =
            schedule(serde_json::json!({"every": "weekly", "day": "friday", "at": "18:00"}));
        let next = weekly.next_run(None, MONDAY, &Cet).unwrap().unwrap();
        assert_eq!(next, MONDAY + 4.0 * DAY_MS + 18.0 * HOUR_MS);
        let after = weekly
            .next_run(Some(next), next + MINUTE_MS, &Cet)
            .unwrap()
            .unwrap();
        assert_eq!(after, next + 7.0 * DAY_MS);
    }

    #[test]
    fn bad_schedules_say_what_is_wrong() {
        let bad = |v: serde_json::Value| Schedule::from_value(&v, &Cet).unwrap_err();
        assert!(bad(serde_json::json!("Daily")).contains("unknown schedule 'Daily'"));
        assert!(bad(serde_json::json!({"every": "daily", "at": "25:00"})).contains("HH:MM"));
        assert!(bad(serde_json::json!({"every": "daily", "at": "6.30"})).contains("HH:MM"));
        assert!(
            bad(serde_json::json!({"every": "hourly", "at": "06:00"})).contains("daily or weekly")
        );
        assert!(bad(serde_json::json!({"every": "daily", "day": "friday"})).contains("weekly"));
        assert!(bad(
            serde_json::json!({"every": "daily", "at": "06:00", "timeZone": "Mars/Olympus"})
        )
        .contains("unknown time zone"));
        assert!(bad(serde_json::json!({"every": "daily", "extra": 1})).contains("bad schedule"));
    }
}
