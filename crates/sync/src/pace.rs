//! Request pacing: one token bucket per rate limit a request counts against, fed by the
//! documented quotas and by the 429s the services answer.
//!
//! Assets documents per-key quotas per endpoint ("Every API key is allowed to perform N
//! requests per minute to this endpoint": create 2,000, GET object 2,000, AQL 1,000, AQL total
//! count 500, a type's attributes 2,000; none for PUT or DELETE of an object). Forge allows an
//! invocation about 100 external requests per runtime minute, and every JumpCloud request is
//! one. Each request reserves the next free slot of its bucket, so waiters are served in the
//! order they asked (none starves). Assets' buckets are GCRA ("generic cell rate")
//! schedules: in any minute at most `burst + rate × 1 min` requests start, kept under the
//! quota with a small margin for the network's jitter. JumpCloud's is a window: at most 99
//! requests in any minute (Forge refuses the 101st of an invocation's minute, however fast
//! the first came, so a burst is fine and a smooth rate would only slow the read down).
//! A 429 pauses the bucket for its
//! `Retry-After` (every request waiting on it queues again behind the pause) and halves the
//! rate, which then climbs back to the documented one over a minute without a 429.

use std::collections::VecDeque;

use crate::host::HttpRequest;
use crate::host::Service;

/// What one minute is, in ms.
const MINUTE_MS: f64 = 60_000.0;
/// The share of a documented quota the bucket uses: the service counts a request when it
/// arrives, and arrival times jitter by a few ms against the times requests were sent.
const QUOTA_SHARE: f64 = 0.99;
/// What a 429 leaves of the rate.
const SHRINK: f64 = 0.5;
/// How long a shrunk rate takes to climb back to the documented one.
const RECOVERY_MS: f64 = MINUTE_MS;

/// A rate limit a request counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Quota {
    /// Forge's external egress: ~100 requests per runtime minute per invocation (every
    /// JumpCloud request; `requestJira` calls do not count).
    JumpCloud,
    /// `POST /object/create`: 2,000 a minute.
    AssetsCreate,
    /// `GET /object/{id}`: 2,000 a minute.
    AssetsGetObject,
    /// `POST /object/aql`: 1,000 a minute.
    AssetsAql,
    /// `POST /object/aql/totalcount`: 500 a minute.
    AssetsAqlTotalCount,
    /// `GET /objecttype/{id}/attributes`: 2,000 a minute.
    AssetsTypeAttributes,
    /// `PUT /object/{id}`: no documented quota (paced only by 429s).
    AssetsUpdate,
    /// `DELETE /object/{id}`: no documented quota (paced only by 429s).
    AssetsDelete,
    /// Every other Jira or Assets request: no documented quota (paced only by 429s).
    Jira,
}

impl Quota {
    /// Every quota, in a fixed order (an index into [`Pacer`]'s buckets).
    pub const ALL: [Quota; 9] = [
        Quota::JumpCloud,
        Quota::AssetsCreate,
        Quota::AssetsGetObject,
        Quota::AssetsAql,
        Quota::AssetsAqlTotalCount,
        Quota::AssetsTypeAttributes,
        Quota::AssetsUpdate,
        Quota::AssetsDelete,
        Quota::Jira,
    ];

    /// The quota `request` counts against, from its service, method and route.
    pub fn of(request: &HttpRequest) -> Quota {
        if request.service == Service::JumpCloud {
            return Quota::JumpCloud;
        }
        let path = request.path.split('?').next().unwrap_or_default();
        // Assets routes are relative to `/jsm/assets/workspace/{ws}/v1/`.
        let Some((_, route)) = path.split_once("/v1/") else {
            return Quota::Jira;
        };
        let parts: Vec<&str> = route.trim_end_matches('/').split('/').collect();
        match (request.method.as_str(), parts.as_slice()) {
            ("POST", ["object", "create"]) => Quota::AssetsCreate,
            ("POST", ["object", "aql"]) => Quota::AssetsAql,
            ("POST", ["object", "aql", "totalcount"]) => Quota::AssetsAqlTotalCount,
            ("GET", ["object", _]) => Quota::AssetsGetObject,
            ("PUT", ["object", _]) => Quota::AssetsUpdate,
            ("DELETE", ["object", _]) => Quota::AssetsDelete,
            ("GET", ["objecttype", _, "attributes"]) => Quota::AssetsTypeAttributes,
            _ => Quota::Jira,
        }
    }

    /// Requests a minute the service documents (Forge's egress limit for JumpCloud); `None`
    /// when no number is documented.
    pub fn per_minute(self) -> Option<f64> {
        match self {
            Quota::JumpCloud => Some(100.0),
            Quota::AssetsCreate | Quota::AssetsGetObject | Quota::AssetsTypeAttributes => {
                Some(2_000.0)
            }
            Quota::AssetsAql => Some(1_000.0),
            Quota::AssetsAqlTotalCount => Some(500.0),
            Quota::AssetsUpdate | Quota::AssetsDelete | Quota::Jira => None,
        }
    }

    /// How the quota is counted. Forge counts an invocation's external requests and refuses
    /// the one past 100 however fast the first came, so JumpCloud's is a window of a minute
    /// (a burst of a minute's requests is fine). Assets says only "N requests per minute":
    /// a smooth rate after a burst of one window of writes is what surely stays under it.
    pub fn counting(self) -> Counting {
        match self {
            Quota::JumpCloud => Counting::Window,
            _ => Counting::Smooth { burst: 16.0 },
        }
    }

    /// What the quota limits, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Quota::JumpCloud => "JumpCloud requests (Forge: ~100 external requests a minute)",
            Quota::AssetsCreate => "Assets object creates (2,000 a minute)",
            Quota::AssetsGetObject => "Assets object reads (2,000 a minute)",
            Quota::AssetsAql => "Assets AQL searches (1,000 a minute)",
            Quota::AssetsAqlTotalCount => "Assets AQL counts (500 a minute)",
            Quota::AssetsTypeAttributes => "Assets attribute lists (2,000 a minute)",
            Quota::AssetsUpdate => "Assets object updates",
            Quota::AssetsDelete => "Assets object deletes",
            Quota::Jira => "Jira requests",
        }
    }

    fn index(self) -> usize {
        Quota::ALL
            .iter()
            .position(|q| *q == self)
            .expect("every quota is listed")
    }
}

/// How a bucket counts its requests against its rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Counting {
    /// `burst` requests at once, then one per interval (GCRA).
    Smooth {
        /// Requests that may start at once from a full bucket.
        burst: f64,
    },
    /// At most a minute's requests in any minute.
    Window,
}

/// A slot a request reserved: when it may start, and the bucket's pause count then (a pause
/// after the reservation sends the request to queue again).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slot {
    /// When the request may start (ms since the epoch).
    pub at: f64,
    /// [`Bucket::pauses`] when the slot was reserved.
    pub pauses: u64,
}

/// One quota's schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    /// The documented rate less the margin, per ms; `None`: no documented limit.
    ceiling: Option<f64>,
    counting: Counting,
    /// Smooth: GCRA's theoretical arrival time (one interval past the last reserved slot).
    tat: f64,
    /// Window: the starts of the last slots reserved, oldest first.
    starts: VecDeque<f64>,
    /// The rate a 429 left and when it starts climbing back.
    shrunk: Option<(f64, f64)>,
    paused_until: f64,
    /// 429s seen (each one pauses the bucket).
    pauses: u64,
    /// Smoothed answer time of this quota's requests, in ms.
    latency_ms: Option<f64>,
}

impl Bucket {
    /// A full bucket for `per_minute` requests a minute (`None`: unlimited until a 429).
    pub fn new(per_minute: Option<f64>, counting: Counting) -> Self {
        let ceiling = per_minute.map(|n| match counting {
            // In any minute at most `burst + rate × 1 min` start: that stays under the share.
            Counting::Smooth { burst } => (n * QUOTA_SHARE - burst.max(1.0)).max(1.0),
            Counting::Window => (n * QUOTA_SHARE).floor().max(1.0),
        } / MINUTE_MS);
        Bucket {
            ceiling,
            counting,
            tat: f64::NEG_INFINITY,
            starts: VecDeque::new(),
            shrunk: None,
            paused_until: f64::NEG_INFINITY,
            pauses: 0,
            latency_ms: None,
        }
    }

    /// The bucket of `quota`.
    pub fn for_quota(quota: Quota) -> Self {
        Bucket::new(quota.per_minute(), quota.counting())
    }

    /// Requests per ms allowed at `now` (`None`: unlimited).
    pub fn rate(&self, now: f64) -> Option<f64> {
        let ceiling = self.ceiling?;
        Some(match self.shrunk {
            Some((low, since)) => {
                let climbed = ((now - since) / RECOVERY_MS).clamp(0.0, 1.0);
                low + (ceiling - low) * climbed
            }
            None => ceiling,
        })
    }

    /// 429s seen so far.
    pub fn pauses(&self) -> u64 {
        self.pauses
    }

    /// Reserves the next free slot for a request asked for at `now`.
    pub fn reserve(&mut self, now: f64) -> Slot {
        let start = now.max(self.paused_until);
        let at = match (self.rate(start), self.counting) {
            (None, _) => start,
            (Some(rate), Counting::Smooth { burst }) => {
                let interval = 1.0 / rate;
                let tolerance = (burst.max(1.0) - 1.0) * interval;
                // Within a µs of now is now (sums of intervals round).
                let earliest = self.tat - tolerance;
                let at = if earliest <= start + 1e-3 {
                    start
                } else {
                    earliest
                };
                self.tat = self.tat.max(at) + interval;
                at
            }
            (Some(rate), Counting::Window) => {
                let limit = ((rate * MINUTE_MS).floor() as usize).max(1);
                let at = match self.starts.len().checked_sub(limit) {
                    Some(oldest) => start.max(self.starts[oldest] + MINUTE_MS),
                    None => start,
                };
                self.starts.push_back(at);
                let most = self.ceiling.map_or(0, |c| (c * MINUTE_MS) as usize);
                while self.starts.len() > most.max(limit) {
                    self.starts.pop_front();
                }
                at
            }
        };
        Slot {
            at,
            pauses: self.pauses,
        }
    }

    /// Whether a slot still stands (no 429 paused the bucket since it was reserved).
    pub fn stands(&self, slot: Slot) -> bool {
        slot.pauses == self.pauses
    }

    /// A 429 at `now` asking to wait `wait_ms`: nothing starts before then, and the rate
    /// halves. A smooth bucket starts again one interval apart (no burst into the limit); a
    /// window forgets the slots not started yet (their requests queue again).
    pub fn limited(&mut self, now: f64, wait_ms: f64) {
        self.paused_until = self.paused_until.max(now + wait_ms.max(0.0));
        self.pauses += 1;
        self.starts.retain(|at| *at <= now);
        if let Some(rate) = self.rate(now) {
            let low = (rate * SHRINK).max(1.0 / MINUTE_MS);
            self.shrunk = Some((low, self.paused_until));
            if let Counting::Smooth { burst } = self.counting {
                self.tat = self.paused_until + (burst.max(1.0) - 1.0) / low;
            }
        }
    }

    /// Notes how long one answer took.
    pub fn observe(&mut self, answer_ms: f64) {
        let answer_ms = answer_ms.max(0.0);
        self.latency_ms = Some(match self.latency_ms {
            Some(mean) => mean * 0.8 + answer_ms * 0.2,
            None => answer_ms,
        });
    }

    /// How many requests to keep in flight, at most `cap`: the rate times the answer time
    /// (with a quarter to spare, and one more so the next is ready when an answer comes),
    /// `cap` when latency rather than a quota is the bound.
    pub fn in_flight(&self, now: f64, cap: usize) -> usize {
        let cap = cap.max(1);
        match (self.rate(now), self.latency_ms) {
            (Some(rate), Some(latency)) => {
                let wanted = (rate * latency * 1.25).ceil() as usize + 1;
                wanted.clamp(1, cap)
            }
            _ => cap,
        }
    }
}

/// The buckets of one client: one per [`Quota`].
#[derive(Debug, Clone, PartialEq)]
pub struct Pacer {
    buckets: Vec<Bucket>,
}

impl Default for Pacer {
    fn default() -> Self {
        Pacer {
            buckets: Quota::ALL.iter().map(|q| Bucket::for_quota(*q)).collect(),
        }
    }
}

impl Pacer {
    /// Sets `quota`'s limit to `per_minute` requests a minute (`None`: none).
    /// A bucket already at that limit keeps its schedule: the imports of a batch share one
    /// pacer, and each applies the same options to it without forgetting what the others sent.
    pub fn limit(&mut self, quota: Quota, per_minute: Option<f64>) {
        let fresh = Bucket::new(per_minute, quota.counting());
        let bucket = &mut self.buckets[quota.index()];
        if bucket.ceiling != fresh.ceiling {
            *bucket = fresh;
        }
    }

    /// The bucket of `quota`.
    pub fn bucket(&self, quota: Quota) -> &Bucket {
        &self.buckets[quota.index()]
    }

    /// The bucket of `quota`, to change.
    pub fn bucket_mut(&mut self, quota: Quota) -> &mut Bucket {
        &mut self.buckets[quota.index()]
    }
}

/// The most of `times` (ms, ascending) that fall within any one minute: what a per-minute
/// quota counts.
pub fn most_in_any_minute(times: &[f64]) -> usize {
    let mut first = 0;
    let mut most = 0;
    for (last, at) in times.iter().enumerate() {
        while times[first] <= at - MINUTE_MS {
            first += 1;
        }
        most = most.max(last + 1 - first);
    }
    most
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(service: Service, method: &str, path: &str) -> HttpRequest {
        crate::client::request(service, method, path.to_string(), None)
    }

    #[test]
    fn each_route_counts_against_its_documented_quota() {
        let base = "/jsm/assets/workspace/ws-1/v1";
        let cases = [
            (
                Service::JumpCloud,
                "GET",
                "/api/systemusers?limit=100",
                Quota::JumpCloud,
            ),
            (
                Service::JumpCloud,
                "GET",
                "/api/v2/usergroups/1/members",
                Quota::JumpCloud,
            ),
            (
                Service::Assets,
                "POST",
                "/object/create",
                Quota::AssetsCreate,
            ),
            (
                Service::Assets,
                "POST",
                "/object/aql?startAt=0&maxResults=500",
                Quota::AssetsAql,
            ),
            (
                Service::Assets,
                "POST",
                "/object/aql/totalcount",
                Quota::AssetsAqlTotalCount,
            ),
            (Service::Assets, "GET", "/object/88", Quota::AssetsGetObject),
            (Service::Assets, "PUT", "/object/88", Quota::AssetsUpdate),
            (Service::Assets, "DELETE", "/object/88", Quota::AssetsDelete),
            (
                Service::Assets,
                "GET",
                "/objecttype/7/attributes?x=1",
                Quota::AssetsTypeAttributes,
            ),
            (Service::Assets, "GET", "/objectschema/list", Quota::Jira),
        ];
        for (service, method, path, quota) in cases {
            let path = if service == Service::Assets {
                format!("{base}{path}")
            } else {
                path.to_string()
            };
            assert_eq!(
                Quota::of(&req(service, method, &path)),
                quota,
                "{method} {path}"
            );
        }
        let search = req(Service::Jira, "GET", "/rest/api/3/user/search?query=a");
        assert_eq!(Quota::of(&search), Quota::Jira);
        assert_eq!(Quota::AssetsUpdate.per_minute(), None, "none documented");
    }

    #[test]
    fn the_rate_stays_under_the_quota_in_every_minute_after_a_burst() {
        let mut bucket = Bucket::for_quota(Quota::AssetsCreate);
        // 5,000 creates all asking at once.
        let slots: Vec<f64> = (0..5_000).map(|_| bucket.reserve(0.0).at).collect();
        assert!(slots[..16].iter().all(|at| *at == 0.0), "a burst of 16");
        assert!(slots[16] > 0.0);
        assert!(slots.windows(2).all(|w| w[0] <= w[1]), "in the order asked");
        assert!(
            most_in_any_minute(&slots) <= 1_980,
            "{}",
            most_in_any_minute(&slots)
        );
        // ... and no slower than the documented rate less the margin.
        let minutes = slots[4_999] / MINUTE_MS;
        assert!((2.5..2.56).contains(&minutes), "{minutes}");
        // A bucket left alone fills up to its burst again, no more.
        let later = slots[4_999] + MINUTE_MS;
        let again: Vec<f64> = (0..20).map(|_| bucket.reserve(later).at).collect();
        assert_eq!(again.iter().filter(|at| **at == later).count(), 16);
    }

    #[test]
    fn jumpcloud_stays_within_forges_hundred_requests_a_minute() {
        let mut bucket = Bucket::for_quota(Quota::JumpCloud);
        let slots: Vec<f64> = (0..500).map(|_| bucket.reserve(0.0).at).collect();
        assert!(most_in_any_minute(&slots) <= 100);
        assert!(
            slots[..99].iter().all(|at| *at == 0.0),
            "a minute's requests at once"
        );
        assert_eq!(slots[99], MINUTE_MS, "then the next minute's");
        assert_eq!(slots[198], 2.0 * MINUTE_MS);
        // A 429 halves the window and forgets the slots not started yet.
        bucket.limited(1.0, 1_000.0);
        let after: Vec<f64> = (0..60).map(|_| bucket.reserve(2.0).at).collect();
        assert!(after[..49].iter().all(|at| *at == 1_001.0), "{after:?}");
        assert!(after[49] >= MINUTE_MS, "{}", after[49]);
    }

    #[test]
    fn a_429_pauses_for_retry_after_halves_the_rate_and_recovers_in_a_minute() {
        let mut bucket = Bucket::for_quota(Quota::AssetsAql);
        let full = bucket.rate(0.0).unwrap();
        let waiting = bucket.reserve(0.0);
        assert!(bucket.stands(waiting));
        bucket.limited(100.0, 3_000.0);
        assert!(
            !bucket.stands(waiting),
            "a slot reserved before the 429 queues again"
        );
        assert_eq!(bucket.pauses(), 1);
        let next = bucket.reserve(200.0);
        assert_eq!(next.at, 3_100.0, "Retry-After honoured");
        let after = bucket.reserve(200.0);
        let halved = 1.0 / (after.at - next.at);
        assert!(
            (halved / full - 0.5).abs() < 0.01,
            "no burst, half the rate: {halved} vs {full}"
        );
        assert!((bucket.rate(3_100.0 + MINUTE_MS / 2.0).unwrap() / full - 0.75).abs() < 1e-9);
        assert_eq!(bucket.rate(3_100.0 + MINUTE_MS).unwrap(), full, "recovered");
        // A second 429 halves what the rate had climbed back to.
        bucket.limited(3_100.0 + MINUTE_MS / 2.0, 1_000.0);
        let low = bucket.rate(3_100.0 + MINUTE_MS / 2.0 + 1_000.0).unwrap();
        assert!((low / full - 0.375).abs() < 1e-9, "{}", low / full);
    }

    #[test]
    fn a_route_without_a_quota_is_not_paced_until_a_429_pauses_it() {
        let mut bucket = Bucket::for_quota(Quota::AssetsUpdate);
        assert!((0..10_000).all(|_| bucket.reserve(5.0).at == 5.0));
        bucket.limited(10.0, 2_000.0);
        assert_eq!(bucket.reserve(20.0).at, 2_010.0);
        assert_eq!(bucket.reserve(2_500.0).at, 2_500.0, "then unpaced again");
        assert_eq!(bucket.rate(0.0), None);
    }

    #[test]
    fn no_waiter_starves_while_new_requests_keep_coming() {
        // Waiters reserved early keep their slots ahead of later arrivals; a 429 sends every
        // waiter to queue again, and each gets a slot after the pause.
        let mut bucket = Bucket::for_quota(Quota::AssetsCreate);
        let early: Vec<Slot> = (0..40).map(|_| bucket.reserve(0.0)).collect();
        let late = bucket.reserve(10.0);
        assert!(early.iter().all(|s| s.at <= late.at));
        bucket.limited(50.0, 1_000.0);
        let requeued: Vec<f64> = early.iter().map(|_| bucket.reserve(60.0).at).collect();
        assert!(requeued.iter().all(|at| *at >= 1_050.0 && at.is_finite()));
        assert!(requeued.windows(2).all(|w| w[0] < w[1]));
        assert!(
            requeued[39] < 1_050.0 + 40.0 * 60.0,
            "every waiter soon served"
        );
    }

    #[test]
    fn requests_in_flight_follow_rate_times_latency_up_to_the_cap() {
        let mut create = Bucket::for_quota(Quota::AssetsCreate);
        assert_eq!(create.in_flight(0.0, 16), 16, "no answer time known yet");
        create.observe(80.0);
        // 1,964 a minute × 80 ms × 1.25 = 3.3 → 4, and one more.
        assert_eq!(create.in_flight(0.0, 16), 5);
        create.observe(2_000.0);
        assert_eq!(
            create.in_flight(0.0, 16),
            16,
            "slow answers: as many as allowed"
        );
        assert_eq!(create.in_flight(0.0, 0), 1);
        let mut update = Bucket::for_quota(Quota::AssetsUpdate);
        update.observe(80.0);
        assert_eq!(update.in_flight(0.0, 16), 16, "latency is the only bound");
    }
}
