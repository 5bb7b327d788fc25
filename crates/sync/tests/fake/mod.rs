//! An in-memory host: a tiny JumpCloud, a tiny Assets (with AQL for the forms the engine
//! sends), Jira user search, storage, a virtual clock and injectable faults.

#![allow(dead_code)]

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use serde_json::{json, Value};
use tributary_sync::pace::Quota;
use tributary_sync::{
    HttpRequest, HttpResponse, LogLevel, Service, StorageError, SyncHost, TransportError,
};

const MINUTE: f64 = 60_000.0;

/// Runs with `invoke` and continues (resume, same run id) until the run is over; returns the
/// last report and the invocations.
pub fn run_to_end(
    opts: &tributary_sync::RunOptions,
    invoke: impl Fn(&tributary_sync::RunOptions) -> tributary_sync::RunReport,
) -> (tributary_sync::RunReport, u32) {
    let mut report = invoke(opts);
    let mut calls = 1;
    while report.status == tributary_sync::RunStatus::Continue {
        let next = tributary_sync::RunOptions {
            resume: true,
            run_id: Some(report.run_id.clone()),
            ..opts.clone()
        };
        report = invoke(&next);
        calls += 1;
        assert!(calls < 500, "the run never ends");
    }
    (report, calls)
}

/// A request as the service saw it: when it arrived, its quota, its answer's status, and a
/// 429's `Retry-After` in ms.
#[derive(Debug, Clone, Copy)]
pub struct Seen {
    pub at: f64,
    pub quota: Quota,
    pub status: u16,
    pub retry_after_ms: f64,
}

/// Object type ids of the fake schema.
pub const USERS: &str = "10";
pub const DEPARTMENTS: &str = "20";
pub const GROUPS: &str = "30";

/// A stored Assets object.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeObject {
    pub id: u64,
    pub type_id: String,
    /// Attribute id → values (object keys for references).
    pub attrs: BTreeMap<String, Vec<String>>,
}

impl FakeObject {
    pub fn key(&self) -> String {
        format!("OBJ-{}", self.id)
    }

    pub fn get(&self, attr: &str) -> Vec<String> {
        self.attrs.get(attr).cloned().unwrap_or_default()
    }
}

/// What an injected fault does.
#[derive(Debug, Clone)]
pub enum FaultKind {
    /// Answer with this status and headers.
    Status(u16, Vec<(String, String)>),
    /// Drop the connection before the request reaches the service.
    Transport,
    /// Process the request, then drop the connection (the client never sees the answer).
    CommitThenTransport,
    /// Process the request, then answer 200 with the body cut short.
    CommitThenCutBody,
    /// Never answer (a hung connection); `CommitThenHang` processes the request first.
    Hang,
    CommitThenHang,
    /// Process the request, then answer with this status (a duplicate that another
    /// invocation's write committed just before).
    CommitThenStatus(u16),
}

#[derive(Debug, Clone)]
pub struct Fault {
    pub method: String,
    pub path_contains: String,
    pub times: u32,
    pub kind: FaultKind,
}

pub struct FakeHost {
    pub users: RefCell<Vec<Value>>,
    /// JumpCloud user groups: (group id, member user ids).
    pub groups: RefCell<Vec<(String, Vec<String>)>>,
    pub objects: RefCell<Vec<FakeObject>>,
    pub next_id: Cell<u64>,
    pub accounts: RefCell<BTreeMap<String, String>>,
    pub storage: RefCell<BTreeMap<String, String>>,
    pub storage_writes: Cell<u64>,
    /// Every key written, in order.
    pub written_keys: RefCell<Vec<String>>,
    /// When values stored with a time to live expire (virtual clock).
    pub expiries: RefCell<BTreeMap<String, f64>>,
    /// A change to the JumpCloud users made right after the v1 page at this `skip` is served
    /// (someone edits the directory while a run reads it).
    #[allow(clippy::type_complexity)]
    pub change_after_page: RefCell<Option<(usize, Box<dyn FnOnce(&mut Vec<Value>)>)>>,
    /// Writes to keys with this prefix fail (a store that refuses them).
    pub failing_writes: RefCell<Option<String>>,
    /// The next this many writes are refused for the store's rate limit (Forge KVS's 429).
    pub throttled_writes: Cell<u32>,
    /// Writes refused for the rate limit so far.
    pub throttled: Cell<u32>,
    /// A value another process writes under its key just before the next swap of that key
    /// (a second run taking over the same expired lease at the same moment).
    pub racing_write: RefCell<Option<(String, String)>>,
    pub now: Cell<f64>,
    /// Virtual time each request takes.
    pub request_ms: Cell<f64>,
    pub sleeps: RefCell<Vec<f64>>,
    pub faults: RefCell<Vec<Fault>>,
    pub requests: RefCell<Vec<HttpRequest>>,
    pub logs: RefCell<Vec<(LogLevel, String)>>,
    /// Attribute names whose value "INVALID" Assets refuses with a 400.
    pub reject_invalid: Cell<bool>,
    /// A network instead of a serial clock (see [`FakeHost::network`]).
    pub overlapping: Cell<bool>,
    /// Timers the futures wait on in this round of [`FakeHost::drive`].
    pub timers: RefCell<Vec<f64>>,
    /// Per-minute limits the fake Assets enforces over a sliding minute, per quota.
    pub quotas: RefCell<Vec<(Quota, usize)>>,
    /// Every request as the services saw it.
    pub seen: RefCell<Vec<Seen>>,
    pub jumpcloud_in_flight: Cell<usize>,
    /// The most JumpCloud requests in flight at once.
    pub most_jumpcloud_in_flight: Cell<usize>,
}

pub fn user_attributes() -> Value {
    json!([
        {"id":"1","name":"JumpCloud ID","type":0,"defaultType":{"id":0,"name":"Text"},"uniqueAttribute":true},
        {"id":"2","name":"Name","type":0,"defaultType":{"id":0,"name":"Text"},"label":true},
        {"id":"3","name":"Manager","type":1,"referenceObjectTypeId":"10"},
        {"id":"4","name":"Department","type":1,"referenceObjectTypeId":"20"},
        {"id":"6","name":"Jira User","type":2},
        {"id":"7","name":"Status","type":7},
        {"id":"9","name":"Email","type":0,"defaultType":{"id":8,"name":"Email"}},
        {"id":"12","name":"Groups","type":1,"referenceObjectTypeId":"30","maximumCardinality":-1},
        {"id":"11","name":"Key","type":0,"defaultType":{"id":0},"system":true,"editable":false}
    ])
}

pub fn department_attributes() -> Value {
    json!([{"id":"21","name":"Name","type":0,"defaultType":{"id":0},"label":true}])
}

pub fn group_attributes() -> Value {
    json!([{"id":"31","name":"JumpCloud ID","type":0,"defaultType":{"id":0}}])
}

fn kind_of(attr_id: &str) -> i64 {
    match attr_id {
        "3" | "4" | "12" => 1,
        "6" => 2,
        "7" => 7,
        _ => 0,
    }
}

fn name_of(type_id: &str, attr_name: &str) -> Option<String> {
    let attrs = match type_id {
        USERS => user_attributes(),
        GROUPS => group_attributes(),
        _ => department_attributes(),
    };
    attrs
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"].as_str().unwrap().eq_ignore_ascii_case(attr_name))
        .map(|a| a["id"].as_str().unwrap().to_string())
}

fn ok(body: Value) -> Result<HttpResponse, TransportError> {
    Ok(HttpResponse {
        status: 200,
        headers: vec![],
        body: body.to_string(),
    })
}

fn status(code: u16, body: Value) -> Result<HttpResponse, TransportError> {
    Ok(HttpResponse {
        status: code,
        headers: vec![],
        body: body.to_string(),
    })
}

/// Splits `a b` query strings: name → values (percent-decoded).
pub fn query(path: &str) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if let Some((_, q)) = path.split_once('?') {
        for pair in q.split('&') {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            out.entry(decode(k)).or_default().push(decode(v));
        }
    }
    out
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else if bytes[i] == b'+' {
            out.push(b' ');
            i += 1;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// Tokens of the AQL forms the engine sends.
fn aql_tokens(ql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<char> = ql.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '"' {
            let mut s = String::from("\"");
            i += 1;
            while chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                s.push(chars[i]);
                i += 1;
            }
            i += 1;
            out.push(s);
        } else if "(),=".contains(c) {
            out.push(c.to_string());
            i += 1;
        } else {
            let mut s = String::new();
            while i < chars.len() && !chars[i].is_whitespace() && !"(),=\"".contains(chars[i]) {
                s.push(chars[i]);
                i += 1;
            }
            out.push(s);
        }
    }
    out
}

/// `objectTypeId = N [AND "Attr" (= "v" | IN ("a", "b"))]` → (type, optional (attr, values)).
type Condition = Option<(String, Vec<String>)>;

fn parse_aql(ql: &str) -> Result<(String, Condition), String> {
    let t = aql_tokens(ql);
    if t.len() < 3 || t[0] != "objectTypeId" || t[1] != "=" {
        return Err(format!("unsupported AQL {ql}"));
    }
    let type_id = t[2].trim_start_matches('"').to_string();
    if t.len() == 3 {
        return Ok((type_id, None));
    }
    if t[3] != "AND" {
        return Err(format!("unsupported AQL {ql}"));
    }
    let attr = t[4].trim_start_matches('"').to_string();
    let values: Vec<String> = match t[5].as_str() {
        "=" => vec![t[6].trim_start_matches('"').to_string()],
        "IN" => t[7..]
            .iter()
            .filter(|x| x.starts_with('"'))
            .map(|x| x[1..].to_string())
            .collect(),
        _ => return Err(format!("unsupported AQL {ql}")),
    };
    Ok((type_id, Some((attr, values))))
}

impl FakeHost {
    /// Refuses a write for the rate limit while `throttled_writes` says so.
    fn throttle(&self, key: &str) -> Result<(), StorageError> {
        if self.throttled_writes.get() == 0 {
            return Ok(());
        }
        self.throttled_writes.set(self.throttled_writes.get() - 1);
        self.throttled.set(self.throttled.get() + 1);
        Err(StorageError::throttled(format!(
            "429 RATE_LIMIT_EXCEEDED: {key}"
        )))
    }

    pub fn new() -> Self {
        FakeHost {
            users: RefCell::new(Vec::new()),
            groups: RefCell::new(Vec::new()),
            objects: RefCell::new(Vec::new()),
            next_id: Cell::new(100),
            accounts: RefCell::new(BTreeMap::new()),
            storage: RefCell::new(BTreeMap::new()),
            storage_writes: Cell::new(0),
            written_keys: RefCell::new(Vec::new()),
            expiries: RefCell::new(BTreeMap::new()),
            racing_write: RefCell::new(None),
            failing_writes: RefCell::new(None),
            throttled_writes: Cell::new(0),
            throttled: Cell::new(0),
            change_after_page: RefCell::new(None),
            now: Cell::new(1_700_000_000_000.0),
            request_ms: Cell::new(5.0),
            sleeps: RefCell::new(Vec::new()),
            faults: RefCell::new(Vec::new()),
            requests: RefCell::new(Vec::new()),
            logs: RefCell::new(Vec::new()),
            reject_invalid: Cell::new(false),
            overlapping: Cell::new(false),
            timers: RefCell::new(Vec::new()),
            quotas: RefCell::new(Vec::new()),
            seen: RefCell::new(Vec::new()),
            jumpcloud_in_flight: Cell::new(0),
            most_jumpcloud_in_flight: Cell::new(0),
        }
    }

    /// Turns the serial clock (each request and sleep moves it on by itself) into a network:
    /// requests in flight overlap, each arriving `latency_ms` after it is sent, sleeps end
    /// when the clock gets there, and `quotas` hold over any minute (429 with Retry-After).
    /// Run futures with [`FakeHost::drive`] then.
    pub fn network(&self, latency_ms: f64, quotas: Vec<(Quota, usize)>) {
        self.overlapping.set(true);
        self.request_ms.set(latency_ms);
        *self.quotas.borrow_mut() = quotas;
    }

    /// Runs a future to its end, moving the clock to the next timer whenever every future
    /// waits.
    pub fn drive<F: std::future::Future>(&self, future: F) -> F::Output {
        use std::task::{Context, Poll, Waker};
        let mut future = std::pin::pin!(future);
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
            let next = self
                .timers
                .borrow_mut()
                .drain(..)
                .reduce(f64::min)
                .expect("something waits on a timer");
            self.now.set(self.now.get().max(next));
        }
    }

    /// The 429 the quota of `quota` answers at `now`, if it is used up.
    fn over_quota(&self, quota: Quota, now: f64) -> Option<HttpResponse> {
        let limit = self
            .quotas
            .borrow()
            .iter()
            .find(|(q, _)| *q == quota)
            .map(|(_, limit)| *limit)?;
        let window: Vec<f64> = self
            .arrivals(quota)
            .into_iter()
            .filter(|at| *at > now - MINUTE)
            .collect();
        (window.len() >= limit).then(|| {
            let retry_after = ((window[0] + MINUTE - now) / 1000.0).ceil().max(1.0);
            HttpResponse {
                status: 429,
                headers: vec![("Retry-After".into(), retry_after.to_string())],
                body: json!({"errorMessages": ["rate limited"], "errors": {}}).to_string(),
            }
        })
    }

    /// When the requests of `quota` that were answered (not refused with a 429) arrived.
    pub fn arrivals(&self, quota: Quota) -> Vec<f64> {
        self.seen
            .borrow()
            .iter()
            .filter(|s| s.quota == quota && s.status != 429)
            .map(|s| s.at)
            .collect()
    }

    /// The requests refused with a 429.
    pub fn refused(&self) -> Vec<Seen> {
        self.seen
            .borrow()
            .iter()
            .filter(|s| s.status == 429)
            .copied()
            .collect()
    }

    /// Stores `json` under `key`, to expire after `ttl_ms` of virtual time.
    async fn store_expiring(&self, key: &str, json: &str, ttl_ms: f64) -> Result<(), StorageError> {
        self.storage_set(key, json).await?;
        self.expiries
            .borrow_mut()
            .insert(key.to_string(), self.now.get() + ttl_ms);
        Ok(())
    }

    /// The stored value of `key` unless its time to live has passed (then it is gone).
    pub fn live(&self, key: &str) -> Option<String> {
        let expired = self
            .expiries
            .borrow()
            .get(key)
            .is_some_and(|at| *at <= self.now.get());
        if expired {
            self.storage.borrow_mut().remove(key);
            self.expiries.borrow_mut().remove(key);
        }
        self.storage.borrow().get(key).cloned()
    }

    pub fn add_object(&self, type_id: &str, attrs: &[(&str, &str)]) -> String {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        let object = FakeObject {
            id,
            type_id: type_id.to_string(),
            attrs: attrs
                .iter()
                .map(|(a, v)| (a.to_string(), vec![v.to_string()]))
                .collect(),
        };
        let key = object.key();
        self.objects.borrow_mut().push(object);
        key
    }

    pub fn fault(&self, method: &str, path_contains: &str, times: u32, kind: FaultKind) {
        self.faults.borrow_mut().push(Fault {
            method: method.into(),
            path_contains: path_contains.into(),
            times,
            kind,
        });
    }

    /// Objects of the user type by JumpCloud ID.
    pub fn user_objects(&self) -> BTreeMap<String, FakeObject> {
        let mut out = BTreeMap::new();
        for o in self.objects.borrow().iter().filter(|o| o.type_id == USERS) {
            if let Some(key) = o.get("1").first() {
                assert!(
                    out.insert(key.clone(), o.clone()).is_none(),
                    "duplicate object for key {key}"
                );
            }
        }
        out
    }

    pub fn count(&self, method: &str, path_contains: &str) -> usize {
        self.requests
            .borrow()
            .iter()
            .filter(|r| r.method == method && r.path.contains(path_contains))
            .count()
    }

    pub fn clear_requests(&self) {
        self.requests.borrow_mut().clear();
    }

    fn object_json(&self, o: &FakeObject) -> Value {
        let objects = self.objects.borrow();
        let attributes: Vec<Value> = o
            .attrs
            .iter()
            .map(|(attr, values)| {
                let values: Vec<Value> = values
                    .iter()
                    .map(|v| match kind_of(attr) {
                        1 => {
                            let target = objects.iter().find(|x| &x.key() == v);
                            json!({"displayValue": v, "referencedObject": {"id": target.map(|t| t.id.to_string()), "objectKey": v}})
                        }
                        2 => json!({"displayValue": v, "user": {"key": v, "displayName": v}}),
                        7 => json!({"displayValue": v, "status": {"id": v, "name": v, "category": 1}}),
                        _ => json!({"value": v, "displayValue": v}),
                    })
                    .collect();
                json!({"objectTypeAttributeId": attr, "objectAttributeValues": values})
            })
            .collect();
        json!({"id": o.id.to_string(), "objectKey": o.key(), "label": o.get("2").first().cloned().unwrap_or_default(),
               "objectType": {"id": o.type_id, "name": "T"}, "attributes": attributes})
    }

    fn jumpcloud(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        let q = query(&request.path);
        if let Some(rest) = request.path.strip_prefix("/api/v2/usergroups") {
            let (route, _) = rest.split_once('?').unwrap_or((rest, ""));
            let limit: usize = q["limit"][0].parse().unwrap();
            let skip: usize = q["skip"][0].parse().unwrap();
            assert!(limit <= 100);
            let groups = self.groups.borrow();
            let all: Vec<Value> = match route
                .strip_prefix('/')
                .and_then(|r| r.strip_suffix("/members"))
            {
                None => groups
                    .iter()
                    .map(|(id, _)| json!({"id": id, "name": id, "type": "user_group"}))
                    .collect(),
                Some(id) => groups
                    .iter()
                    .find(|(g, _)| g == id)
                    .unwrap()
                    .1
                    .iter()
                    .map(|m| json!({"to": {"id": m, "type": "user"}, "attributes": null}))
                    .collect(),
            };
            let page: Vec<Value> = all.iter().skip(skip).take(limit).cloned().collect();
            return Ok(HttpResponse {
                status: 200,
                headers: vec![("X-Total-Count".into(), all.len().to_string())],
                body: Value::Array(page).to_string(),
            });
        }
        let limit: usize = q["limit"][0].parse().unwrap();
        assert!(limit <= 100, "limit above 100: {}", request.path);
        assert_eq!(
            q.get("sort").map(|s| s[0].as_str()),
            Some("_id"),
            "v1 lists page with sort=_id"
        );
        let skip: usize = q["skip"][0].parse().unwrap();
        let mut users: Vec<Value> = self.users.borrow().clone();
        for filter in q.get("filter").into_iter().flatten() {
            let parts: Vec<&str> = filter.splitn(3, ':').collect();
            assert_eq!(parts[1], "$eq", "only $eq in the fake");
            users.retain(|u| u[parts[0]].as_str() == Some(parts[2]));
        }
        users.sort_by(|a, b| a["_id"].as_str().cmp(&b["_id"].as_str()));
        let fields: Vec<String> = q
            .get("fields")
            .map(|f| f[0].split(' ').map(str::to_string).collect())
            .unwrap_or_default();
        let total = users.len();
        let page: Vec<Value> = users
            .into_iter()
            .skip(skip)
            .take(limit)
            .map(|u| {
                if fields.is_empty() {
                    return u;
                }
                let mut out = serde_json::Map::new();
                for (k, v) in u.as_object().unwrap() {
                    if k == "_id" || fields.contains(k) {
                        out.insert(k.clone(), v.clone());
                    }
                }
                Value::Object(out)
            })
            .collect();
        let answer = ok(json!({"totalCount": total, "results": page}));
        // The directory changes right after this page was served.
        let change = self
            .change_after_page
            .borrow_mut()
            .take_if(|(at, _)| *at == skip);
        if let Some((_, change)) = change {
            change(&mut self.users.borrow_mut());
        }
        answer
    }

    fn assets(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        let path = request.path.as_str();
        if path == "/rest/servicedeskapi/assets/workspace" {
            return ok(
                json!({"size":1,"start":0,"limit":50,"isLastPage":true,"values":[{"workspaceId":"ws-1"}]}),
            );
        }
        if let Some(rest) = path.strip_prefix("/rest/api/3/user/search?query=") {
            let email = decode(rest);
            let accounts = self.accounts.borrow();
            return ok(match accounts.get(&email.to_lowercase()) {
                Some(id) => {
                    json!([{"accountId": id, "accountType": "atlassian", "emailAddress": email}])
                }
                None => json!([]),
            });
        }
        let rest = path
            .strip_prefix("/jsm/assets/workspace/ws-1/v1/")
            .unwrap_or_else(|| panic!("unexpected path {path}"));
        let (route, _) = rest.split_once('?').unwrap_or((rest, ""));
        match (request.method.as_str(), route) {
            ("GET", "objecttype/10") => ok(json!({"id":"10","name":"Users","objectSchemaId":"1"})),
            ("GET", "objecttype/10/attributes") => ok(user_attributes()),
            ("GET", "objecttype/20") => {
                ok(json!({"id":"20","name":"Departments","objectSchemaId":"1"}))
            }
            ("GET", "objecttype/20/attributes") => ok(department_attributes()),
            ("GET", "objecttype/30/attributes") => ok(group_attributes()),
            ("GET", "objectschema/list") => ok(
                json!({"startAt":0,"maxResults":50,"total":1,"isLast":true,"values":[{"id":"1","name":"HR"}]}),
            ),
            ("GET", "objectschema/1/objecttypes/flat") => {
                ok(json!([{"id":"10","name":"Users"},{"id":"20","name":"Departments"}]))
            }
            ("GET", "config/statustype") => ok(
                json!([{"id":"1","name":"Active","category":1},{"id":"9","name":"Inactive","category":0}]),
            ),
            ("POST", "object/aql") => {
                let q = query(path);
                let start: usize = q["startAt"][0].parse().unwrap();
                let max: usize = q["maxResults"][0].parse().unwrap();
                let body: Value = serde_json::from_str(request.body.as_deref().unwrap()).unwrap();
                let (type_id, condition) = match parse_aql(body["qlQuery"].as_str().unwrap()) {
                    Ok(parsed) => parsed,
                    Err(message) => {
                        return status(400, json!({"errorMessages":[message],"errors":{}}))
                    }
                };
                let attr_id = condition
                    .as_ref()
                    .map(|(name, _)| name_of(&type_id, name).expect("attribute in AQL exists"));
                let matched: Vec<FakeObject> = self
                    .objects
                    .borrow()
                    .iter()
                    .filter(|o| o.type_id == type_id)
                    .filter(|o| match (&condition, &attr_id) {
                        (Some((_, values)), Some(attr)) => o
                            .get(attr)
                            .iter()
                            .any(|v| values.iter().any(|w| w.eq_ignore_ascii_case(v))),
                        _ => true,
                    })
                    .cloned()
                    .collect();
                let page: Vec<Value> = matched
                    .iter()
                    .skip(start)
                    .take(max)
                    .map(|o| self.object_json(o))
                    .collect();
                let is_last = start + max >= matched.len();
                ok(
                    json!({"startAt": start, "maxResults": max, "total": matched.len(), "isLast": is_last, "values": page}),
                )
            }
            ("POST", "object/create") => {
                let body: Value = serde_json::from_str(request.body.as_deref().unwrap()).unwrap();
                let type_id = body["objectTypeId"].as_str().unwrap().to_string();
                let attrs = self.read_attributes(&body)?;
                if let Err(response) = self.validate(&attrs) {
                    return response;
                }
                let id = self.next_id.get();
                self.next_id.set(id + 1);
                let object = FakeObject { id, type_id, attrs };
                let out = json!({"id": id.to_string(), "objectKey": object.key(), "label": ""});
                self.objects.borrow_mut().push(object);
                Ok(HttpResponse {
                    status: 201,
                    headers: vec![],
                    body: out.to_string(),
                })
            }
            ("PUT", id) if id.starts_with("object/") => {
                let id: u64 = id["object/".len()..].parse().unwrap();
                let body: Value = serde_json::from_str(request.body.as_deref().unwrap()).unwrap();
                let attrs = self.read_attributes(&body)?;
                if let Err(response) = self.validate(&attrs) {
                    return response;
                }
                let mut objects = self.objects.borrow_mut();
                let Some(object) = objects.iter_mut().find(|o| o.id == id) else {
                    return status(404, json!({"errorMessages":["no such object"],"errors":{}}));
                };
                for (attr, values) in attrs {
                    if values.is_empty() {
                        object.attrs.remove(&attr);
                    } else {
                        object.attrs.insert(attr, values);
                    }
                }
                ok(json!({"id": id.to_string(), "objectKey": format!("OBJ-{id}")}))
            }
            ("DELETE", id) if id.starts_with("object/") => {
                let id: u64 = id["object/".len()..].parse().unwrap();
                let mut objects = self.objects.borrow_mut();
                let before = objects.len();
                objects.retain(|o| o.id != id);
                if objects.len() == before {
                    return status(404, json!({"errorMessages":["no such object"],"errors":{}}));
                }
                Ok(HttpResponse {
                    status: 204,
                    headers: vec![],
                    body: String::new(),
                })
            }
            other => panic!("unexpected request {other:?}"),
        }
    }

    fn read_attributes(
        &self,
        body: &Value,
    ) -> Result<BTreeMap<String, Vec<String>>, TransportError> {
        Ok(body["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                let values = a["objectAttributeValues"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v["value"].as_str().unwrap().to_string())
                    .collect();
                (
                    a["objectTypeAttributeId"].as_str().unwrap().to_string(),
                    values,
                )
            })
            .collect())
    }

    fn validate(
        &self,
        attrs: &BTreeMap<String, Vec<String>>,
    ) -> Result<(), Result<HttpResponse, TransportError>> {
        let objects = self.objects.borrow();
        for (attr, values) in attrs {
            for value in values {
                if kind_of(attr) == 1 && !objects.iter().any(|o| &o.key() == value) {
                    return Err(status(
                        400,
                        json!({"errorMessages":[],"errors":{"rlabel": format!("object {value} does not exist")}}),
                    ));
                }
                if self.reject_invalid.get() && value == "INVALID" {
                    return Err(status(
                        400,
                        json!({"errorMessages":["Could not create object"],"errors":{"Name":"The value INVALID is not allowed"}}),
                    ));
                }
            }
        }
        Ok(())
    }
}

impl FakeHost {
    /// The services' answer to a request that reached them.
    async fn serve(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.requests.borrow_mut().push(request.clone());
        let mut commit_then_drop = false;
        let mut commit_then_cut = false;
        let mut hang = false;
        let mut commit_then_status = None;
        {
            let mut faults = self.faults.borrow_mut();
            if let Some(fault) = faults.iter_mut().find(|f| {
                f.times > 0 && f.method == request.method && request.path.contains(&f.path_contains)
            }) {
                fault.times -= 1;
                match &fault.kind {
                    FaultKind::Status(code, headers) => {
                        return Ok(HttpResponse {
                            status: *code,
                            headers: headers.clone(),
                            body: json!({"message":"fault"}).to_string(),
                        })
                    }
                    FaultKind::Transport => return Err(TransportError("connection reset".into())),
                    FaultKind::CommitThenTransport => commit_then_drop = true,
                    FaultKind::CommitThenCutBody => commit_then_cut = true,
                    FaultKind::Hang => hang = true,
                    FaultKind::CommitThenHang => (commit_then_drop, hang) = (true, true),
                    FaultKind::CommitThenStatus(code) => commit_then_status = Some(*code),
                }
            }
        }
        if hang && !commit_then_drop {
            return std::future::pending().await;
        }
        // Hosts route by service, so each request must name the right one.
        let prefix = match request.service {
            Service::JumpCloud => "/api/",
            Service::Assets => "/jsm/assets/",
            Service::Jira => "/rest/",
        };
        assert!(
            request.path.starts_with(prefix),
            "{} sent as {:?}",
            request.path,
            request.service
        );
        let response = match request.service {
            Service::JumpCloud => self.jumpcloud(&request),
            Service::Assets | Service::Jira => self.assets(&request),
        };
        if commit_then_cut {
            return response.map(|mut r| {
                r.body.truncate(r.body.len() / 2);
                r
            });
        }
        if hang {
            return std::future::pending().await;
        }
        if let Some(status) = commit_then_status {
            response?;
            return Ok(HttpResponse {
                status,
                headers: Vec::new(),
                body: json!({"errorMessages": [], "errors": {"JumpCloud ID": "JumpCloud ID must be unique"}}).to_string(),
            });
        }
        if commit_then_drop {
            return Err(TransportError(
                "connection dropped after the request was processed".into(),
            ));
        }
        response
    }
}

impl SyncHost for FakeHost {
    async fn request(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let quota = Quota::of(&request);
        let jumpcloud = quota == Quota::JumpCloud;
        if self.overlapping.get() {
            if jumpcloud {
                self.jumpcloud_in_flight
                    .set(self.jumpcloud_in_flight.get() + 1);
                let most = self.most_jumpcloud_in_flight.get();
                self.most_jumpcloud_in_flight
                    .set(most.max(self.jumpcloud_in_flight.get()));
            }
            self.sleep(self.request_ms.get()).await;
            if jumpcloud {
                self.jumpcloud_in_flight
                    .set(self.jumpcloud_in_flight.get() - 1);
            }
        } else {
            self.now.set(self.now.get() + self.request_ms.get());
        }
        let at = self.now.get();
        let answer = match self.over_quota(quota, at) {
            Some(refusal) => Ok(refusal),
            None => self.serve(request).await,
        };
        let retry_after_ms = answer
            .as_ref()
            .ok()
            .and_then(tributary_sync::client::retry_after_ms)
            .unwrap_or(0.0);
        self.seen.borrow_mut().push(Seen {
            at,
            quota,
            status: answer.as_ref().map_or(0, |a| a.status),
            retry_after_ms,
        });
        answer
    }

    async fn storage_get(&self, key: &str) -> Result<Option<String>, StorageError> {
        Ok(self.live(key))
    }

    async fn storage_set(&self, key: &str, json: &str) -> Result<(), StorageError> {
        self.throttle(key)?;
        if let Some(prefix) = self.failing_writes.borrow().as_deref() {
            if key.starts_with(prefix) {
                return Err(StorageError::new(format!("the store refused {key}")));
            }
        }
        assert!(key.len() <= 500, "key too long: {key}");
        assert!(
            key.chars()
                .all(|c| c.is_ascii_alphanumeric() || ":._ -#".contains(c) || c.is_whitespace()),
            "bad key {key}"
        );
        assert!(
            json.len() < 240 * 1024,
            "value of {key} is {} bytes",
            json.len()
        );
        serde_json::from_str::<Value>(json).expect("stored values are JSON");
        self.storage_writes.set(self.storage_writes.get() + 1);
        self.written_keys.borrow_mut().push(key.to_string());
        self.storage
            .borrow_mut()
            .insert(key.to_string(), json.to_string());
        Ok(())
    }

    async fn storage_delete(&self, key: &str) -> Result<(), StorageError> {
        self.storage.borrow_mut().remove(key);
        self.expiries.borrow_mut().remove(key);
        Ok(())
    }

    async fn storage_set_expiring(
        &self,
        key: &str,
        json: &str,
        ttl_ms: f64,
    ) -> Result<(), StorageError> {
        self.throttle(key)?;
        self.store_expiring(key, json, ttl_ms).await
    }

    async fn storage_create(
        &self,
        key: &str,
        json: &str,
        ttl_ms: f64,
    ) -> Result<bool, StorageError> {
        if self.live(key).is_some() {
            return Ok(false);
        }
        self.store_expiring(key, json, ttl_ms).await?;
        Ok(true)
    }

    async fn storage_swap(
        &self,
        key: &str,
        json: &str,
        ttl_ms: f64,
    ) -> Result<Option<String>, StorageError> {
        let racing = self.racing_write.borrow_mut().take_if(|(k, _)| k == key);
        if let Some((_, value)) = racing {
            self.storage.borrow_mut().insert(key.to_string(), value);
        }
        let previous = self.live(key);
        self.store_expiring(key, json, ttl_ms).await?;
        Ok(previous)
    }

    fn now_ms(&self) -> f64 {
        self.now.get()
    }

    async fn sleep(&self, ms: f64) {
        self.sleeps.borrow_mut().push(ms);
        if !self.overlapping.get() {
            self.now.set(self.now.get() + ms);
            return;
        }
        let until = self.now.get() + ms;
        std::future::poll_fn(|_| {
            if self.now.get() >= until {
                std::task::Poll::Ready(())
            } else {
                self.timers.borrow_mut().push(until);
                std::task::Poll::Pending
            }
        })
        .await
    }

    fn log(&self, level: LogLevel, message: &str) {
        self.logs.borrow_mut().push((level, message.to_string()));
    }
}
