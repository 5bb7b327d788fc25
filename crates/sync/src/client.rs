//! Requests with retries and call counting, on top of a [`SyncHost`].
//!
//! Each request first waits for a slot of its quota ([`crate::pace`]); a 429 pauses that
//! quota's requests for `Retry-After` and slows them down; 5xx and transport failures back off exponentially with jitter;
//! other 4xx answers are never retried (they are validation errors to report). A request the
//! host does not answer within [`RetryPolicy::timeout_ms`] is a transport failure, whichever
//! host sends it.

use std::cell::{Cell, RefCell};

use serde::{Deserialize, Serialize};

use tributary_models::assets::ErrorBody;

use crate::host::{within, HttpRequest, HttpResponse, LogLevel, Service, SyncHost, TransportError};
use crate::pace::{Pacer, Quota};

/// API calls made, by kind (retries counted separately as well as in their kind).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiCalls {
    /// JumpCloud list requests.
    pub jumpcloud: u64,
    /// Assets AQL searches.
    pub aql: u64,
    /// Assets object creates.
    pub create: u64,
    /// Assets object updates.
    pub update: u64,
    /// Assets object deletes.
    pub delete: u64,
    /// Other Assets / Jira reads (workspace, schemas, types, attributes, statuses).
    pub read: u64,
    /// Jira user searches (email → accountId).
    pub user_search: u64,
    /// Requests that were sent again after a 429, 5xx or transport failure.
    pub retries: u64,
}

impl ApiCalls {
    /// Adds another count to this one.
    pub fn add(&mut self, other: &ApiCalls) {
        self.jumpcloud += other.jumpcloud;
        self.aql += other.aql;
        self.create += other.create;
        self.update += other.update;
        self.delete += other.delete;
        self.read += other.read;
        self.user_search += other.user_search;
        self.retries += other.retries;
    }
}

/// The kind of a call, for counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    /// JumpCloud list.
    JumpCloud,
    /// AQL search.
    Aql,
    /// Object create (not idempotent: see [`Client::send`]).
    Create,
    /// Object update.
    Update,
    /// Object delete.
    Delete,
    /// Other read.
    Read,
    /// Jira user search.
    UserSearch,
}

/// Why a call failed for good.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// The service answered with an error that retrying cannot fix (or retries ran out).
    #[error("HTTP {status}: {message}")]
    Status {
        /// HTTP status.
        status: u16,
        /// The service's own message(s).
        message: String,
    },
    /// No answer after all retries.
    #[error("no response: {0}")]
    Transport(String),
    /// Rate-limited (or failing) past this invocation's deadline: to be tried again by the
    /// next invocation, not a failure of the record.
    #[error("not done within the time budget: {0}")]
    OutOfTime(String),
    /// A create failed in a way that may have created the object anyway (5xx, dropped
    /// connection); the caller checks before sending it again.
    #[error("uncertain outcome: {0}")]
    Uncertain(String),
}

/// Retry settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// First backoff delay.
    pub base_delay_ms: f64,
    /// Longest single wait (also caps `Retry-After`).
    pub max_delay_ms: f64,
    /// Longest wait for one answer: a request still unanswered then is a transport failure
    /// (retried; a create becomes uncertain). `f64::INFINITY` waits for ever.
    pub timeout_ms: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            base_delay_ms: 500.0,
            max_delay_ms: 30_000.0,
            timeout_ms: 60_000.0,
        }
    }
}

/// Sends requests through the host, retrying and counting.
pub struct Client<'h, H: SyncHost> {
    host: &'h H,
    policy: RetryPolicy,
    calls: RefCell<ApiCalls>,
    /// xorshift state for jitter: deterministic from a seed, no OS randomness needed.
    rng: Cell<u64>,
    /// No wait may end after this (ms since the epoch).
    deadline: Cell<f64>,
    /// JumpCloud graph answers this client may reuse (shared by the imports of one batch).
    graph: GraphCache,
    /// The rate limits' schedules (shared by the imports of one batch: the quotas are the
    /// API key's and Forge's egress limit is the invocation's, not an import's).
    pacer: SharedPacer,
}

/// A [`Pacer`] several clients share.
pub type SharedPacer = std::rc::Rc<RefCell<Pacer>>;

/// JumpCloud graph answers (route path → related ids) kept for one invocation: the imports of
/// a batch share one, so a route two imports read is called once (docs/relationships.md).
pub type GraphCache = std::rc::Rc<RefCell<std::collections::BTreeMap<String, Vec<String>>>>;

/// The longest single wait for a rate limit.
pub const MAX_RATE_LIMIT_WAIT_MS: f64 = 120_000.0;
/// Consecutive 429s on one request before it is handed to the next invocation.
pub const MAX_RATE_LIMITED_ATTEMPTS: u32 = 20;
/// The request timeout is waited in slices this long: a host's sleep cannot be cancelled, and
/// a pending timer keeps a Node process up, so a finished request's timer outlives it by at
/// most one slice.
const TIMEOUT_SLICE_MS: f64 = 250.0;

impl<'h, H: SyncHost> Client<'h, H> {
    /// A client; `seed` makes the jitter reproducible.
    pub fn new(host: &'h H, policy: RetryPolicy, seed: u64) -> Self {
        Client {
            host,
            policy,
            calls: RefCell::new(ApiCalls::default()),
            rng: Cell::new(seed | 1),
            deadline: Cell::new(f64::INFINITY),
            graph: GraphCache::default(),
            pacer: SharedPacer::default(),
        }
    }

    /// The same client, reusing (and adding to) `graph`'s JumpCloud graph answers.
    pub fn sharing_graph(mut self, graph: &GraphCache) -> Self {
        self.graph = graph.clone();
        self
    }

    /// The same client, pacing its requests with `pacer` (and whoever else shares it).
    pub fn sharing_pacer(mut self, pacer: &SharedPacer) -> Self {
        self.pacer = pacer.clone();
        self
    }

    /// The graph answers this client reuses.
    pub fn graph(&self) -> &GraphCache {
        &self.graph
    }

    /// Sets the time (ms since the epoch) after which no retry wait may end.
    pub fn set_deadline(&self, deadline_ms: f64) {
        self.deadline.set(deadline_ms);
    }

    /// Calls made so far.
    pub fn calls(&self) -> ApiCalls {
        self.calls.borrow().clone()
    }

    /// How many requests of `quota` to keep in flight, at most `cap`: the quota's rate times
    /// the answer time, or `cap` when latency rather than a quota is the bound.
    pub fn in_flight(&self, quota: Quota, cap: usize) -> usize {
        self.pacer
            .borrow()
            .bucket(quota)
            .in_flight(self.host.now_ms(), cap)
    }

    /// Sets the limit of `quota` (requests a minute; `None`: none).
    pub fn limit(&self, quota: Quota, per_minute: Option<f64>) {
        self.pacer.borrow_mut().limit(quota, per_minute);
    }

    /// Applies a run's `jumpcloudPerMinute` and `assetsQuotas` options.
    pub fn limit_by(&self, options: &crate::report::RunOptions) {
        if let Some(per_minute) = options.jumpcloud_per_minute {
            self.limit(Quota::JumpCloud, (per_minute > 0.0).then_some(per_minute));
        }
        if options.assets_quotas == Some(false) {
            for quota in Quota::ALL.into_iter().filter(|q| *q != Quota::JumpCloud) {
                self.limit(quota, None);
            }
        }
    }

    /// The rate limits' schedules (429s seen, current rates).
    pub fn pacer(&self) -> std::cell::Ref<'_, Pacer> {
        self.pacer.borrow()
    }

    /// Waits for the next slot of `quota`. A 429 while waiting pauses the quota, and the
    /// request queues again behind the pause. A slot past the deadline is not waited for.
    async fn pace(&self, quota: Quota) -> Result<(), CallError> {
        loop {
            let now = self.host.now_ms();
            let slot = self.pacer.borrow_mut().bucket_mut(quota).reserve(now);
            if slot.at <= now {
                return Ok(());
            }
            if slot.at > self.deadline.get() {
                return Err(CallError::OutOfTime(format!(
                    "the rate limit of {} leaves no room before the deadline",
                    quota.name()
                )));
            }
            self.host.sleep(slot.at - now).await;
            if self.pacer.borrow().bucket(quota).stands(slot) {
                return Ok(());
            }
        }
    }

    fn count(&self, kind: CallKind) {
        let mut calls = self.calls.borrow_mut();
        match kind {
            CallKind::JumpCloud => calls.jumpcloud += 1,
            CallKind::Aql => calls.aql += 1,
            CallKind::Create => calls.create += 1,
            CallKind::Update => calls.update += 1,
            CallKind::Delete => calls.delete += 1,
            CallKind::Read => calls.read += 1,
            CallKind::UserSearch => calls.user_search += 1,
        }
    }

    fn jitter(&self) -> f64 {
        let mut x = self.rng.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng.set(x);
        (x % 1000) as f64 / 1000.0
    }

    /// Backoff before attempt `attempt + 1`: base · 2^attempt, plus up to 50 % jitter, capped.
    pub fn backoff_ms(&self, attempt: u32) -> f64 {
        let exp = self.policy.base_delay_ms * f64::from(1u32 << attempt.min(16));
        (exp * (1.0 + 0.5 * self.jitter())).min(self.policy.max_delay_ms)
    }

    /// Sends a request, each attempt in a slot of its quota. Successful (2xx) responses are
    /// returned; 429 pauses the quota for `Retry-After` (then this request queues again); 5xx and transport failures back off; other 4xx fail at once. Creates are not
    /// idempotent: a 5xx or transport failure on one returns [`CallError::Uncertain`] (after
    /// the backoff wait) so the caller can look for the object before sending it again.
    pub async fn send(
        &self,
        kind: CallKind,
        request: HttpRequest,
    ) -> Result<HttpResponse, CallError> {
        let mut failures = 0;
        let mut limited = 0;
        let quota = Quota::of(&request);
        loop {
            self.pace(quota).await?;
            self.count(kind);
            let sent = self.host.now_ms();
            let outcome = self.answer(request.clone()).await;
            if outcome.is_ok() {
                let took = self.host.now_ms() - sent;
                self.pacer.borrow_mut().bucket_mut(quota).observe(took);
            }
            let (wait, failure) = match outcome {
                Ok(response) if (200..300).contains(&response.status) => return Ok(response),
                Ok(response) if response.status == 429 => {
                    // Rate limits are waited out, not counted as failures: Retry-After in full.
                    limited += 1;
                    let wait =
                        retry_after_ms(&response).unwrap_or_else(|| self.backoff_ms(limited - 1));
                    let error = CallError::Status {
                        status: 429,
                        message: error_message(&response),
                    };
                    (wait.min(MAX_RATE_LIMIT_WAIT_MS), error)
                }
                Ok(response) if response.status >= 500 => {
                    failures += 1;
                    let error = CallError::Status {
                        status: response.status,
                        message: error_message(&response),
                    };
                    (self.backoff_ms(failures - 1), error)
                }
                Ok(response) => {
                    return Err(CallError::Status {
                        status: response.status,
                        message: error_message(&response),
                    });
                }
                Err(transport) => {
                    failures += 1;
                    (
                        self.backoff_ms(failures - 1),
                        CallError::Transport(transport.0),
                    )
                }
            };
            if failures >= self.policy.max_attempts {
                return Err(failure);
            }
            let now = self.host.now_ms();
            if limited > MAX_RATE_LIMITED_ATTEMPTS || now + wait > self.deadline.get() {
                // Not within this invocation's time: spend what is left waiting (so a
                // continuation does not start straight into the same limit), then hand over.
                let left = (self.deadline.get() - now).max(0.0);
                if left.is_finite() && left > 0.0 {
                    self.host.sleep(left.min(wait)).await;
                }
                return Err(CallError::OutOfTime(failure.to_string()));
            }
            self.host.log(
                LogLevel::Warn,
                &format!(
                    "{} {} failed ({failure}); retrying in {:.0} ms",
                    request.method, request.path, wait
                ),
            );
            let ambiguous = !matches!(failure, CallError::Status { status: 429, .. });
            if ambiguous {
                self.host.sleep(wait).await;
            } else {
                // Every request of the quota pauses; this one waits in `pace` like the rest.
                self.pacer.borrow_mut().bucket_mut(quota).limited(now, wait);
            }
            self.calls.borrow_mut().retries += 1;
            if kind == CallKind::Create && ambiguous {
                return Err(CallError::Uncertain(failure.to_string()));
            }
        }
    }

    /// One attempt: the host's answer, or a transport failure when none comes within the
    /// policy's timeout.
    async fn answer(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let timeout = self.policy.timeout_ms;
        let timer = async {
            let mut left = timeout;
            while left > 0.0 {
                let slice = left.min(TIMEOUT_SLICE_MS);
                self.host.sleep(slice).await;
                left -= slice;
            }
        };
        within(self.host.request(request), timer)
            .await
            .unwrap_or_else(|| {
                Err(TransportError(format!(
                    "no answer within {} s",
                    timeout / 1000.0
                )))
            })
    }

    /// Sends and parses a JSON body.
    pub async fn json(
        &self,
        kind: CallKind,
        request: HttpRequest,
    ) -> Result<serde_json::Value, CallError> {
        let response = self.send(kind, request).await?;
        if response.body.trim().is_empty() {
            return Ok(serde_json::Value::Null);
        }
        serde_json::from_str(&response.body).map_err(|e| CallError::Status {
            status: response.status,
            message: format!("the response is not JSON ({e})"),
        })
    }
}

/// `Retry-After` in milliseconds: delta-seconds (fractions accepted). HTTP dates are not
/// supported (the caller falls back to its backoff).
pub fn retry_after_ms(response: &HttpResponse) -> Option<f64> {
    let value = response.header("retry-after")?.trim().parse::<f64>().ok()?;
    (value.is_finite() && value >= 0.0).then_some(value * 1000.0)
}

/// The service's error text: Assets `errorMessages` + `errors` ([`ErrorBody`]), JumpCloud
/// `message`, else the body (shortened).
pub fn error_message(response: &HttpResponse) -> String {
    #[derive(serde::Deserialize)]
    struct JumpCloudError {
        message: String,
    }
    if let Ok(body) = serde_json::from_str::<ErrorBody>(&response.body) {
        let mut parts = body.error_messages;
        for (field, message) in body.errors {
            let text = message
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| message.to_string());
            parts.push(format!("{field}: {text}"));
        }
        if !parts.is_empty() {
            return parts.join("; ");
        }
    }
    if let Ok(body) = serde_json::from_str::<JumpCloudError>(&response.body) {
        return body.message;
    }
    let body: String = response.body.chars().take(300).collect();
    if body.trim().is_empty() {
        format!("status {}", response.status)
    } else {
        body
    }
}

/// A request helper: JSON content type for bodies.
pub fn request(service: Service, method: &str, path: String, body: Option<String>) -> HttpRequest {
    let mut headers = vec![("accept".to_string(), "application/json".to_string())];
    if body.is_some() {
        headers.push(("content-type".to_string(), "application/json".to_string()));
    }
    HttpRequest {
        service,
        method: method.to_string(),
        path,
        headers,
        body,
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters stay as they are).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
