//! The host's store as a run uses it: paced by the store's documented quota, and waiting out
//! the refusals of its rate limit instead of failing the run.
//!
//! Forge KVS allows an installation 4,000 read and 4,000 write "units" a minute, a unit being
//! a request's payload rounded up to 10 KB (limits-kvs-ce), and refuses what goes over with
//! 429 `RATE_LIMIT_EXCEEDED`. A run stores its source records, its per-record results and what
//! is left of its plan in chunks of up to 240 KiB (24 units each): at 100k users that is about
//! 20,000 units, which unpaced would go in a few bursts of several times the quota. So every
//! storage call reserves its units in a bucket (a GCRA schedule, as for Assets' quotas in
//! [`crate::pace`]) at a share of the quota, leaving room for the installation's other
//! invocations; a call refused anyway (another invocation used the room) waits and is tried
//! again a few times before the run fails with it.

use std::cell::Cell;
use std::future::Future;

use crate::error::StorageError;
use crate::host::{LogLevel, SyncHost};

/// The bytes of one quota unit: a request's payload is counted in units rounded up.
pub const STORE_UNIT_BYTES: usize = 10 * 1024;
/// Forge KVS's documented read units a minute per installation, and as many writes.
pub const STORE_UNITS_PER_MINUTE: f64 = 4_000.0;
/// The share of the quota one run uses (the page's resolvers, the scheduler and other imports'
/// runs share the installation's).
const STORE_SHARE: f64 = 0.75;
/// Units that may go at once after a quiet spell (about 3 MB).
const BURST_UNITS: f64 = 300.0;
/// The waits after refusals for the rate limit, one per try; then the refusal fails the call.
/// Together longer than the store's one-minute window.
const THROTTLE_WAITS_MS: [f64; 4] = [5_000.0, 15_000.0, 30_000.0, 60_000.0];

/// The quota units a payload of `bytes` counts for (at least one).
pub fn units(bytes: usize) -> f64 {
    bytes.div_ceil(STORE_UNIT_BYTES).max(1) as f64
}

/// The length of `value`'s JSON text, without building it.
pub(crate) fn json_len<T: serde::Serialize>(value: &T) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len();
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Writing to a counter cannot fail; a value serde refuses counts as nothing.
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}

/// A GCRA schedule of units: after a burst of `BURST_UNITS`, `per_minute` units a minute.
#[derive(Debug)]
struct Schedule {
    interval_ms: f64,
    tolerance_ms: f64,
    /// The theoretical arrival time of the next unit.
    next_at: Cell<f64>,
}

impl Schedule {
    fn new(per_minute: f64) -> Self {
        let interval_ms = 60_000.0 / per_minute;
        Schedule {
            interval_ms,
            tolerance_ms: BURST_UNITS * interval_ms,
            next_at: Cell::new(0.0),
        }
    }

    /// Reserves `units` and returns how long to wait before they may go.
    fn reserve(&self, now: f64, units: f64) -> f64 {
        let at = (self.next_at.get() - self.tolerance_ms).max(now);
        self.next_at
            .set(self.next_at.get().max(at) + units * self.interval_ms);
        at - now
    }

    /// Counts `units` more for a call that already went (a read's value, known once it came).
    fn charge(&self, now: f64, units: f64) {
        self.next_at
            .set(self.next_at.get().max(now) + units * self.interval_ms);
    }

    /// Nothing goes before `until` (the store refused a call), and then no burst: the rate.
    fn pause(&self, until: f64) {
        self.next_at
            .set(self.next_at.get().max(until + self.tolerance_ms));
    }
}

/// How storage calls of a run wait.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StorePacing {
    /// At a share of `per_minute` read units and as many write units a minute (Forge KVS).
    Quota {
        /// The store's documented units a minute per installation.
        per_minute: f64,
    },
    /// Not at all (a store without a quota: the CLI's state directory); refusals for a rate
    /// limit are still waited out.
    Unpaced,
}

impl Default for StorePacing {
    fn default() -> Self {
        StorePacing::Quota {
            per_minute: STORE_UNITS_PER_MINUTE,
        }
    }
}

/// The host's store, paced: see the module docs.
pub(crate) struct Storage<'h, H: SyncHost> {
    host: &'h H,
    reads: Option<Schedule>,
    writes: Option<Schedule>,
    /// Calls the store refused for its rate limit (each waited out and tried again).
    refusals: Cell<u64>,
}

impl<'h, H: SyncHost> Storage<'h, H> {
    pub fn new(host: &'h H, pacing: StorePacing) -> Self {
        let schedule = || match pacing {
            StorePacing::Quota { per_minute } if per_minute > 0.0 => {
                Some(Schedule::new(per_minute * STORE_SHARE))
            }
            _ => None,
        };
        Storage {
            host,
            reads: schedule(),
            writes: schedule(),
            refusals: Cell::new(0),
        }
    }

    /// Write units a minute this store is paced at (`None`: unpaced).
    pub fn write_units_per_minute(&self) -> Option<f64> {
        self.writes.as_ref().map(|s| 60_000.0 / s.interval_ms)
    }

    /// Calls the store refused for its rate limit so far.
    #[cfg(test)]
    pub fn refusals(&self) -> u64 {
        self.refusals.get()
    }

    /// Runs `call` once its units may go; a refusal for the rate limit pauses the schedule and
    /// tries again, up to [`THROTTLE_WAITS_MS`].
    async fn paced<T, F, Fut>(
        &self,
        schedule: Option<&Schedule>,
        units: f64,
        key: &str,
        call: F,
    ) -> Result<T, StorageError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, StorageError>>,
    {
        let mut waits = THROTTLE_WAITS_MS.iter();
        loop {
            if let Some(schedule) = schedule {
                let wait = schedule.reserve(self.host.now_ms(), units);
                if wait > 0.0 {
                    self.host.sleep(wait).await;
                }
            }
            match call().await {
                Err(e) if e.throttled => {
                    let Some(&wait) = waits.next() else {
                        return Err(e);
                    };
                    self.refusals.set(self.refusals.get() + 1);
                    self.host.log(
                        LogLevel::Warn,
                        &format!(
                            "the store refused {key} for its rate limit ({e}); trying again in {} s",
                            wait / 1000.0
                        ),
                    );
                    match schedule {
                        Some(schedule) => schedule.pause(self.host.now_ms() + wait),
                        None => self.host.sleep(wait).await,
                    }
                }
                other => return other,
            }
        }
    }

    pub async fn get(&self, key: &str) -> Result<Option<String>, StorageError> {
        let reads = self.reads.as_ref();
        let value = self
            .paced(reads, 1.0, key, || self.host.storage_get(key))
            .await?;
        // A read counts the value it returns: the rest is charged once its size is known.
        if let (Some(schedule), Some(text)) = (reads, &value) {
            schedule.charge(self.host.now_ms(), units(text.len()) - 1.0);
        }
        Ok(value)
    }

    pub async fn set(&self, key: &str, json: &str) -> Result<(), StorageError> {
        self.paced(self.writes.as_ref(), units(json.len()), key, || {
            self.host.storage_set(key, json)
        })
        .await
    }

    pub async fn set_expiring(&self, key: &str, json: &str, ttl_ms: f64) -> Result<(), StorageError> {
        self.paced(self.writes.as_ref(), units(json.len()), key, || {
            self.host.storage_set_expiring(key, json, ttl_ms)
        })
        .await
    }

    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        self.paced(self.writes.as_ref(), 1.0, key, || self.host.storage_delete(key))
            .await
    }

    pub async fn create(&self, key: &str, json: &str, ttl_ms: f64) -> Result<bool, StorageError> {
        self.paced(self.writes.as_ref(), units(json.len()), key, || {
            self.host.storage_create(key, json, ttl_ms)
        })
        .await
    }

    pub async fn swap(
        &self,
        key: &str,
        json: &str,
        ttl_ms: f64,
    ) -> Result<Option<String>, StorageError> {
        self.paced(self.writes.as_ref(), units(json.len()), key, || {
            self.host.storage_swap(key, json, ttl_ms)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_goes_at_once_then_the_rate_holds() {
        let schedule = Schedule::new(3_000.0);
        // 300 units at once, then 20 ms a unit.
        assert_eq!(schedule.reserve(0.0, 300.0), 0.0);
        assert_eq!(schedule.reserve(0.0, 24.0), 0.0);
        let wait = schedule.reserve(0.0, 24.0);
        assert!((wait - 24.0 * 20.0).abs() < 1e-6, "{wait}");
        // In any minute at most the burst and a minute's rate.
        let schedule = Schedule::new(3_000.0);
        let mut at = 0.0;
        let mut sent = 0.0;
        while at < 60_000.0 {
            at += schedule.reserve(at, 24.0);
            if at < 60_000.0 {
                sent += 24.0;
            }
        }
        assert!(sent <= 3_000.0 + BURST_UNITS + 24.0, "{sent}");
        assert!(sent >= 3_000.0, "{sent}");
    }

    #[test]
    fn a_pause_holds_every_call_until_it_ends() {
        let schedule = Schedule::new(3_000.0);
        schedule.pause(10_000.0);
        assert_eq!(schedule.reserve(0.0, 1.0), 10_000.0);
        // After the pause the burst is not available at once: one unit at a time.
        let second = schedule.reserve(10_000.0, 1.0);
        assert!(second <= 20.0 + 1e-6, "{second}");
    }

    #[test]
    fn units_round_up_to_ten_kilobytes() {
        assert_eq!(units(0), 1.0);
        assert_eq!(units(10 * 1024), 1.0);
        assert_eq!(units(10 * 1024 + 1), 2.0);
        assert_eq!(units(65 * 1000), 7.0);
        assert_eq!(units(240 * 1024), 24.0);
    }
}
