//! The host's store as a run uses it: paced by the store's documented quota, and waiting out
//! the refusals of its rate limit instead of failing the run.
//!
//! Forge KVS allows an installation 4,000 read and 4,000 write "units" a minute, a unit being
//! a request's payload rounded up to 10 KB (limits-kvs-ce), and refuses what goes over with
//! 429 `RATE_LIMIT_EXCEEDED`. A run stores its source records, its per-record results and what
//! is left of its plan in chunks ([`super::chunks`]): at 100k users about 4,000 units deflated
//! (20,000 as JSON), which unpaced would still go in bursts over the quota. So every
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
/// Units that may go at once after a quiet spell: six seconds' worth of the rate (300, about
/// 3 MB, at a run's share of Forge's quota).
const BURST_SECONDS: f64 = 6.0;
/// The waits after refusals for the rate limit, one per try; then the refusal fails the call.
/// Together longer than the store's one-minute window.
const THROTTLE_WAITS_MS: [f64; 4] = [5_000.0, 15_000.0, 30_000.0, 60_000.0];

/// The quota units a payload of `bytes` counts for (at least one).
pub fn units(bytes: usize) -> f64 {
    bytes.div_ceil(STORE_UNIT_BYTES).max(1) as f64
}

/// The bytes the store counts for a value whose JSON text is `json`: hosts store the text as
/// a string, so its quotes, backslashes and control characters are escaped once more.
pub(crate) fn stored_len(json: &str) -> usize {
    let escapes: usize = json
        .bytes()
        .map(|b| match b {
            b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0C => 1,
            0..=0x1F => 5,
            _ => 0,
        })
        .sum();
    json.len() + escapes + 2
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

/// A GCRA schedule of units: after a burst of `BURST_SECONDS` of the rate, `per_minute` units a minute.
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
            tolerance_ms: BURST_SECONDS * 1_000.0,
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
    /// Chunks stored so far: the bytes of their JSON and of what was stored (see
    /// [`super::chunks`]), for what storing the rest is expected to take.
    encoded: Cell<(u64, u64)>,
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
            encoded: Cell::new((0, 0)),
        }
    }

    /// Write units a minute this store is paced at (`None`: unpaced).
    pub fn write_units_per_minute(&self) -> Option<f64> {
        self.writes.as_ref().map(|s| 60_000.0 / s.interval_ms)
    }

    /// Notes a chunk of `json_bytes` stored in `stored_bytes`.
    pub fn note_encoded(&self, json_bytes: usize, stored_bytes: usize) {
        let (json, stored) = self.encoded.get();
        self.encoded
            .set((json + json_bytes as u64, stored + stored_bytes as u64));
    }

    /// Whether a chunk was stored (or sampled) yet.
    pub fn knows_stored_share(&self) -> bool {
        self.encoded.get().0 > 0
    }

    /// The share of its JSON size a chunk takes stored, as seen so far (1 before any).
    pub fn stored_share(&self) -> f64 {
        match self.encoded.get() {
            (0, _) => 1.0,
            (json, stored) => (stored as f64 / json as f64).min(1.0),
        }
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
            schedule.charge(self.host.now_ms(), units(stored_len(text)) - 1.0);
        }
        Ok(value)
    }

    pub async fn set(&self, key: &str, json: &str) -> Result<(), StorageError> {
        self.paced(self.writes.as_ref(), units(stored_len(json)), key, || {
            self.host.storage_set(key, json)
        })
        .await
    }

    pub async fn set_expiring(
        &self,
        key: &str,
        json: &str,
        ttl_ms: f64,
    ) -> Result<(), StorageError> {
        self.paced(self.writes.as_ref(), units(stored_len(json)), key, || {
            self.host.storage_set_expiring(key, json, ttl_ms)
        })
        .await
    }

    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        self.paced(self.writes.as_ref(), 1.0, key, || {
            self.host.storage_delete(key)
        })
        .await
    }

    pub async fn create(&self, key: &str, json: &str, ttl_ms: f64) -> Result<bool, StorageError> {
        self.paced(self.writes.as_ref(), units(stored_len(json)), key, || {
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
        self.paced(self.writes.as_ref(), units(stored_len(json)), key, || {
            self.host.storage_swap(key, json, ttl_ms)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::{block_on, HttpRequest, HttpResponse};
    use crate::TransportError;
    use std::cell::RefCell;

    /// A store with Forge KVS's quota: write units in any trailing minute past `per_minute`
    /// are refused as throttled; `refuse_next` refusals come first whatever the quota. The
    /// clock moves only when the core sleeps.
    struct QuotaStore {
        now: Cell<f64>,
        per_minute: f64,
        refuse_next: Cell<u32>,
        writes: RefCell<Vec<(f64, f64)>>,
        refused: Cell<u32>,
        /// Refuse every call as a store that is down does (not throttled).
        down: Cell<bool>,
        logs: RefCell<Vec<String>>,
    }

    impl QuotaStore {
        fn new(per_minute: f64) -> Self {
            QuotaStore {
                now: Cell::new(0.0),
                per_minute,
                refuse_next: Cell::new(0),
                writes: RefCell::new(Vec::new()),
                refused: Cell::new(0),
                down: Cell::new(false),
                logs: RefCell::new(Vec::new()),
            }
        }

        fn write(&self, json: &str) -> Result<(), StorageError> {
            if self.down.get() {
                self.refused.set(self.refused.get() + 1);
                return Err(StorageError::new("500 INTERNAL_SERVER_ERROR"));
            }
            let now = self.now.get();
            let units = units(stored_len(json));
            let used: f64 = self
                .writes
                .borrow()
                .iter()
                .filter(|(at, _)| *at > now - 60_000.0)
                .map(|(_, u)| u)
                .sum();
            if self.refuse_next.get() > 0 || used + units > self.per_minute {
                self.refuse_next
                    .set(self.refuse_next.get().saturating_sub(1));
                self.refused.set(self.refused.get() + 1);
                return Err(StorageError::throttled("429 RATE_LIMIT_EXCEEDED"));
            }
            self.writes.borrow_mut().push((now, units));
            Ok(())
        }
    }

    impl SyncHost for QuotaStore {
        async fn request(&self, _: HttpRequest) -> Result<HttpResponse, TransportError> {
            unreachable!("storage only")
        }
        async fn storage_get(&self, _: &str) -> Result<Option<String>, StorageError> {
            Ok(None)
        }
        async fn storage_set(&self, _: &str, json: &str) -> Result<(), StorageError> {
            self.write(json)
        }
        async fn storage_set_expiring(
            &self,
            _: &str,
            json: &str,
            _: f64,
        ) -> Result<(), StorageError> {
            self.write(json)
        }
        async fn storage_delete(&self, _: &str) -> Result<(), StorageError> {
            self.write("")
        }
        async fn storage_create(&self, _: &str, json: &str, _: f64) -> Result<bool, StorageError> {
            self.write(json).map(|()| true)
        }
        async fn storage_swap(
            &self,
            _: &str,
            json: &str,
            _: f64,
        ) -> Result<Option<String>, StorageError> {
            self.write(json).map(|()| None)
        }
        fn now_ms(&self) -> f64 {
            self.now.get()
        }
        async fn sleep(&self, ms: f64) {
            self.now.set(self.now.get() + ms);
        }
        fn log(&self, _: LogLevel, message: &str) {
            self.logs.borrow_mut().push(message.to_string());
        }
    }

    /// The most units written in any minute.
    fn peak_minute(writes: &[(f64, f64)]) -> f64 {
        writes
            .iter()
            .map(|(start, _)| {
                writes
                    .iter()
                    .filter(|(at, _)| *at >= *start && *at < start + 60_000.0)
                    .map(|(_, u)| u)
                    .sum::<f64>()
            })
            .fold(0.0, f64::max)
    }

    #[test]
    fn twenty_megabytes_go_under_the_quota_without_a_refusal() {
        let store = QuotaStore::new(STORE_UNITS_PER_MINUTE);
        let storage = Storage::new(&store, StorePacing::default());
        // 23 units each, the two quotes of the stored string included.
        let chunk = "x".repeat(230 * 1024 - 2);
        block_on(async {
            for i in 0..90 {
                storage.set(&format!("k{i}"), &chunk).await.unwrap();
            }
        });
        assert_eq!(store.refused.get(), 0);
        assert_eq!(storage.refusals(), 0);
        let writes = store.writes.borrow();
        assert_eq!(writes.len(), 90);
        let peak = peak_minute(&writes);
        assert!(
            peak <= STORE_UNITS_PER_MINUTE * STORE_SHARE + 300.0 + 23.0,
            "{peak}"
        );
        // 2,070 units: the burst, then three quarters of the quota.
        let took = writes.last().unwrap().0;
        let expected = (2_070.0 - 300.0 - 23.0) / (STORE_UNITS_PER_MINUTE * STORE_SHARE) * 60_000.0;
        assert!((took - expected).abs() < 1_000.0, "{took} vs {expected}");
    }

    #[test]
    fn unpaced_the_same_writes_go_over_the_quota_and_are_waited_out() {
        let store = QuotaStore::new(1_000.0);
        let storage = Storage::new(&store, StorePacing::Unpaced);
        let chunk = "x".repeat(230 * 1024);
        block_on(async {
            for i in 0..60 {
                storage.set(&format!("k{i}"), &chunk).await.unwrap();
            }
        });
        assert!(store.refused.get() > 0, "the store refused some");
        assert_eq!(storage.refusals(), u64::from(store.refused.get()));
        assert_eq!(
            store.writes.borrow().len(),
            60,
            "every write went in the end"
        );
        assert!(
            store.logs.borrow()[0].contains("rate limit"),
            "{:?}",
            store.logs.borrow()
        );
    }

    #[test]
    fn a_store_that_keeps_refusing_fails_the_call_after_the_waits() {
        let store = QuotaStore::new(STORE_UNITS_PER_MINUTE);
        store.refuse_next.set(u32::MAX);
        let storage = Storage::new(&store, StorePacing::default());
        let error = block_on(storage.set("k", "{}")).unwrap_err();
        assert!(error.throttled);
        assert_eq!(store.refused.get(), 1 + THROTTLE_WAITS_MS.len() as u32);
        let waited: f64 = THROTTLE_WAITS_MS.iter().sum();
        assert!(store.now.get() >= waited, "{} ms", store.now.get());
        // Refusals that are not for the rate limit fail at once.
        let plain = QuotaStore::new(STORE_UNITS_PER_MINUTE);
        plain.down.set(true);
        let storage = Storage::new(&plain, StorePacing::Unpaced);
        assert!(!block_on(storage.set("k", "{}")).unwrap_err().throttled);
        assert_eq!(plain.refused.get(), 1);
    }

    #[test]
    fn two_refusals_then_the_call_goes() {
        let store = QuotaStore::new(STORE_UNITS_PER_MINUTE);
        store.refuse_next.set(2);
        let storage = Storage::new(&store, StorePacing::default());
        block_on(storage.set("k", "{}")).unwrap();
        assert_eq!(store.writes.borrow().len(), 1);
        assert_eq!(storage.refusals(), 2);
        assert!(store.now.get() >= THROTTLE_WAITS_MS[0] + THROTTLE_WAITS_MS[1]);
    }

    #[test]
    fn a_burst_goes_at_once_then_the_rate_holds() {
        let schedule = Schedule::new(3_000.0);
        // 300 units (six seconds' worth) at once, then 20 ms a unit.
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
        assert!(sent <= 3_000.0 + 300.0 + 24.0, "{sent}");
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
