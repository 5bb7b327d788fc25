//! The host interface: everything the engine needs from the outside world. The host adds
//! authentication to requests, so secrets never enter the core.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use serde::{Deserialize, Serialize};

pub use crate::error::StorageError;

/// Which service a request goes to; the host picks the base URL and the credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    /// `"jumpcloud"`: JumpCloud (`/api/...`); the host adds `x-api-key` (and `x-org-id`).
    JumpCloud,
    /// `"jira"`: the Jira site's own REST API (`/rest/...`: the Assets workspace id, user
    /// search); the host adds auth.
    Jira,
    /// `"assets"`: the Assets REST API (`/jsm/assets/workspace/{ws}/v1/...`). On Forge it goes
    /// through `requestJira` like `jira`; API-token clients send it to `api.atlassian.com`.
    Assets,
}

/// A request, relative to the service's base URL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpRequest {
    /// Target service.
    pub service: Service,
    /// `GET`, `POST`, `PUT` or `DELETE`.
    pub method: String,
    /// Path and query, e.g. `/api/systemusers?limit=100&skip=0&sort=_id`.
    pub path: String,
    /// Extra headers (lower-case names), e.g. `content-type`.
    pub headers: Vec<(String, String)>,
    /// JSON body text.
    pub body: Option<String>,
}

/// A response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers (names compared case-insensitively).
    pub headers: Vec<(String, String)>,
    /// Body text.
    pub body: String,
}

impl HttpResponse {
    /// A header value by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The request never got a response (connection dropped, DNS, timeout).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{0}")]
pub struct TransportError(pub String);

/// Log levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// Diagnostic detail.
    Debug,
    /// Progress.
    Info,
    /// Something retried or skipped.
    Warn,
    /// Something failed.
    Error,
}

impl LogLevel {
    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        }
    }
}

/// What the engine needs from its host (Forge, the CLI, a test). Single-threaded by design:
/// the futures need not be `Send` (wasm has one thread).
#[allow(async_fn_in_trait)]
pub trait SyncHost {
    /// Sends one request (with authentication added by the host).
    async fn request(&self, request: HttpRequest) -> Result<HttpResponse, TransportError>;
    /// Reads a stored JSON text.
    async fn storage_get(&self, key: &str) -> Result<Option<String>, StorageError>;
    /// Stores a JSON text (≤ 240 KiB).
    async fn storage_set(&self, key: &str, json: &str) -> Result<(), StorageError>;
    /// Stores a JSON text that the store removes by itself after `ttl_ms` (run records).
    async fn storage_set_expiring(
        &self,
        key: &str,
        json: &str,
        ttl_ms: f64,
    ) -> Result<(), StorageError>;
    /// Deletes a stored value.
    async fn storage_delete(&self, key: &str) -> Result<(), StorageError>;
    /// Stores `json` under `key` only if nothing (unexpired) is stored there, atomically, and
    /// lets it expire after `ttl_ms`; `Ok(false)` when a value exists. What makes the run lease
    /// exclusive: Forge KVS `keyPolicy: 'FAIL_IF_EXISTS'` with a TTL, an exclusive file create
    /// in the CLI.
    async fn storage_create(
        &self,
        key: &str,
        json: &str,
        ttl_ms: f64,
    ) -> Result<bool, StorageError>;
    /// Stores `json` under `key` (expiring after `ttl_ms`) and returns what was stored before,
    /// in one atomic step (Forge KVS `returnValue: 'PREVIOUS'`): how an expired lease that the
    /// store has not removed yet is taken over without a window for a second taker.
    async fn storage_swap(
        &self,
        key: &str,
        json: &str,
        ttl_ms: f64,
    ) -> Result<Option<String>, StorageError>;
    /// Milliseconds since the epoch.
    fn now_ms(&self) -> f64;
    /// Waits this many milliseconds.
    async fn sleep(&self, ms: f64);
    /// Writes a log line (never with secrets: the core has none).
    fn log(&self, level: LogLevel, message: &str);
}

/// Runs futures together and returns their outputs in order. Single-threaded: each is polled
/// in turn, so a few writes can wait on the network at once without any runtime.
pub async fn join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    type Slot<F> = (Pin<Box<F>>, Option<<F as Future>::Output>);
    let mut slots: Vec<Slot<F>> = futures.into_iter().map(|f| (Box::pin(f), None)).collect();
    std::future::poll_fn(move |cx: &mut Context<'_>| {
        let mut pending = false;
        for (future, output) in slots.iter_mut() {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(value) => *output = Some(value),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(
                slots
                    .iter_mut()
                    .map(|(_, o)| o.take().expect("every future finished"))
                    .collect(),
            )
        }
    })
    .await
}

/// Polls `future` and `timer` together: `Some(output)` when the future finishes first, `None`
/// when the timer does. The future is polled first, so an answer that is ready at once always
/// wins and a timer never decides a tie.
pub async fn within<F: Future, T: Future<Output = ()>>(future: F, timer: T) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    let mut timer = std::pin::pin!(timer);
    std::future::poll_fn(move |cx: &mut Context<'_>| {
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            return Poll::Ready(Some(output));
        }
        timer.as_mut().poll(cx).map(|()| None)
    })
    .await
}

/// Drives a future to completion on the current thread (native tests and tools).
pub fn block_on<F: Future>(future: F) -> F::Output {
    use std::sync::Arc;
    use std::task::Wake;
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Arc::new(Unpark(std::thread::current())).into();
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(value) => return value,
            Poll::Pending => std::thread::park(),
        }
    }
}
