//! The core's own HTTP transport: gloo-net over the global `fetch`, for a host that hands over
//! credentials instead of a `request` function (the standalone CLI on Node 22). The Forge host
//! keeps its own `request`: Atlassian calls there need Forge's app authentication.

use gloo_net::http::{Headers, Method, RequestBuilder};
use js_sys::{Function, Reflect};
use serde::Deserialize;
use tributary_sync::{HttpRequest, HttpResponse, Service, TransportError};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TRANSPORT_TYPES: &str = r#"
/** Credentials for the core's own fetch transport, used when a host has no `request`.
 *  `authorization` is the whole header value (e.g. `Basic ...`); Assets paths
 *  (`/jsm/assets/...`) go to `assetsBaseUrl`. */
export interface SyncCredentials {
  jumpcloud?: { baseUrl: string; apiKey: string; orgId?: string };
  jira?: { baseUrl: string; assetsBaseUrl: string; authorization: string };
}
"#;

/// What a host passes as `credentials`. No `Debug`: nothing may print these.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Credentials {
    #[serde(default)]
    jumpcloud: Option<JumpCloud>,
    #[serde(default)]
    jira: Option<Jira>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JumpCloud {
    base_url: String,
    api_key: String,
    #[serde(default)]
    org_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Jira {
    base_url: String,
    assets_base_url: String,
    authorization: String,
}

/// The API a request is for: it picks the base URL and the authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Api {
    JumpCloud,
    Jira,
    Assets,
}

impl Api {
    fn of(request: &HttpRequest) -> Api {
        match request.service {
            Service::JumpCloud => Api::JumpCloud,
            Service::Assets => Api::Assets,
            Service::Jira => Api::Jira,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Api::JumpCloud => "JumpCloud",
            Api::Jira => "Jira",
            Api::Assets => "Assets",
        }
    }
}

/// Sends the engine's requests with `fetch`, adding the credentials.
pub(crate) struct FetchTransport {
    credentials: Credentials,
}

/// A request's absolute URL and authentication headers.
struct Target<'a> {
    url: String,
    auth: Vec<(&'static str, &'a str)>,
}

impl FetchTransport {
    /// The transport a host object asks for: `None` when it has a `request` function of its
    /// own, else the fetch transport with its `credentials`.
    pub(crate) fn of_host(host: &JsValue) -> Result<Option<FetchTransport>, TransportError> {
        let field = |name: &str| Reflect::get(host, &JsValue::from_str(name)).unwrap_or_default();
        let credentials = field("credentials");
        if field("request").is_instance_of::<Function>() {
            return Ok(None);
        }
        if credentials.is_undefined() || credentials.is_null() {
            return Err(TransportError(
                "the host has neither a request function nor credentials".into(),
            ));
        }
        // serde's message could quote a value: say only what was expected.
        let credentials = serde_wasm_bindgen::from_value(credentials).map_err(|_| {
            TransportError(
                "the host's credentials are malformed: expected {jumpcloud?: {baseUrl, apiKey, \
                 orgId?}, jira?: {baseUrl, assetsBaseUrl, authorization}}"
                    .into(),
            )
        })?;
        Ok(Some(FetchTransport { credentials }))
    }

    /// Sends one request. Every failure is a [`TransportError`] whose message names the API
    /// and never holds a credential.
    pub(crate) async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let api = Api::of(&request);
        let outcome = match self.target(api, &request.path) {
            Ok(target) => fetch(&target, &request).await,
            Err(message) => Err(message),
        };
        outcome
            .map_err(|message| TransportError(self.redact(&format!("{}: {message}", api.name()))))
    }

    fn target(&self, api: Api, path: &str) -> Result<Target<'_>, String> {
        let missing = || "not configured (no credentials for it)".to_string();
        match api {
            Api::JumpCloud => {
                let jc = self.credentials.jumpcloud.as_ref().ok_or_else(missing)?;
                let mut auth = vec![("x-api-key", jc.api_key.as_str())];
                if let Some(org) = jc.org_id.as_deref().filter(|o| !o.is_empty()) {
                    auth.push(("x-org-id", org));
                }
                Ok(Target {
                    url: join_url(&jc.base_url, path),
                    auth,
                })
            }
            Api::Jira | Api::Assets => {
                let jira = self.credentials.jira.as_ref().ok_or_else(missing)?;
                let base = if api == Api::Assets {
                    &jira.assets_base_url
                } else {
                    &jira.base_url
                };
                Ok(Target {
                    url: join_url(base, path),
                    auth: vec![("authorization", jira.authorization.as_str())],
                })
            }
        }
    }

    /// Replaces every credential (and a Basic/Bearer header's bare token) in `message`.
    fn redact(&self, message: &str) -> String {
        let c = &self.credentials;
        let mut secrets: Vec<&str> = Vec::new();
        if let Some(jc) = &c.jumpcloud {
            secrets.push(&jc.api_key);
        }
        if let Some(jira) = &c.jira {
            secrets.push(&jira.authorization);
            secrets.extend(
                jira.authorization
                    .split_once(' ')
                    .map(|(_, token)| token.trim()),
            );
        }
        // Longest first, so a token inside a header value goes with it.
        secrets.retain(|s| !s.is_empty());
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.iter().fold(message.to_string(), |text, secret| {
            text.replace(secret, "[redacted]")
        })
    }
}

/// Joins a base URL (with or without a trailing slash or path) and an absolute path.
fn join_url(base: &str, path: &str) -> String {
    let base = base.trim_end_matches('/');
    if path.starts_with('/') {
        format!("{base}{path}")
    } else {
        format!("{base}/{path}")
    }
}

/// One fetch; the error is a message that may still hold a credential (the caller redacts).
async fn fetch(target: &Target<'_>, request: &HttpRequest) -> Result<HttpResponse, String> {
    let method = Method::from_bytes(request.method.as_bytes())
        .map_err(|_| format!("unsupported method '{}'", request.method))?;
    // gloo's `Headers::set` throws on a bad value; the raw `set` returns the error instead.
    let headers = Headers::new().into_raw();
    let pairs = request
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()));
    for (name, value) in pairs.chain(target.auth.iter().copied()) {
        headers
            .set(name, value)
            .map_err(|_| format!("the {name} header's value is not valid in HTTP"))?;
    }
    let builder = RequestBuilder::new(&target.url)
        .method(method)
        .headers(Headers::from_raw(headers));
    let built = match &request.body {
        Some(body) => builder.body(body.as_str()),
        None => builder.build(),
    };
    let response = built
        .map_err(|e| e.to_string())?
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let headers = response
        .headers()
        .entries()
        .map(|(name, value)| (name.to_ascii_lowercase(), value))
        .collect();
    let body = response.binary().await.map_err(|e| e.to_string())?;
    Ok(HttpResponse {
        status: response.status(),
        headers,
        body: body_text(body),
    })
}

/// A response body's text from its bytes, read as `Response.text()` reads them: UTF-8, a
/// leading byte-order mark dropped, invalid sequences replaced by U+FFFD. Valid UTF-8 (every
/// answer the APIs give) becomes the `String` in place, without a second copy; decoding in
/// JS and re-encoding across the boundary cost about a quarter of a preview's time.
pub(crate) fn body_text(mut bytes: Vec<u8>) -> String {
    const BYTE_ORDER_MARK: &[u8] = b"\xEF\xBB\xBF";
    if bytes.starts_with(BYTE_ORDER_MARK) {
        bytes.drain(..BYTE_ORDER_MARK.len());
    }
    String::from_utf8(bytes)
        .unwrap_or_else(|invalid| String::from_utf8_lossy(invalid.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    // A real HTTP server on 127.0.0.1 in the test's Node process: it records each request and
    // answers with JSON naming the path it saw.
    #[wasm_bindgen(inline_js = r#"
export async function startServer() {
  const http = process.getBuiltinModule('node:http');
  const seen = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      if (req.url.startsWith('/drop')) { req.socket.destroy(); return; }
      res.writeHead(req.url.includes('missing') ? 404 : 200, { 'Content-Type': 'application/json', 'X-Trace': 'T-1' });
      res.end(JSON.stringify({ path: req.url }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    seen: () => JSON.stringify(seen),
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}
export function hostWith(credentials, request) {
  return request ? { credentials, request } : { credentials };
}
"#)]
    extern "C" {
        async fn startServer() -> JsValue;
        fn hostWith(credentials: JsValue, request: JsValue) -> JsValue;
    }

    const KEY: &str = "jc-secret-key-123";
    const AUTH: &str = "Basic c3luYzp0b2tlbi1zZWNyZXQ=";

    struct Server(JsValue);

    impl Server {
        async fn start() -> Server {
            Server(startServer().await)
        }
        fn url(&self) -> String {
            Reflect::get(&self.0, &"url".into())
                .unwrap()
                .as_string()
                .unwrap()
        }
        fn call(&self, name: &str) -> JsValue {
            let f: Function = Reflect::get(&self.0, &name.into()).unwrap().into();
            f.call0(&JsValue::NULL).unwrap()
        }
        fn seen(&self) -> serde_json::Value {
            serde_json::from_str(&self.call("seen").as_string().unwrap()).unwrap()
        }
        async fn close(self) {
            let _ = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(self.call("close")))
                .await;
        }
    }

    fn credentials(jumpcloud_base: &str, jira_base: &str, assets_base: &str) -> JsValue {
        let json = serde_json::json!({
            "jumpcloud": { "baseUrl": jumpcloud_base, "apiKey": KEY, "orgId": "org-7" },
            "jira": { "baseUrl": jira_base, "assetsBaseUrl": assets_base, "authorization": AUTH },
        });
        js_sys::JSON::parse(&json.to_string()).unwrap()
    }

    fn transport(credentials: JsValue) -> FetchTransport {
        FetchTransport::of_host(&hostWith(credentials, JsValue::UNDEFINED))
            .unwrap()
            .expect("credentials and no request: the fetch transport")
    }

    fn get(service: Service, path: &str) -> HttpRequest {
        tributary_sync::client::request(service, "GET", path.into(), None)
    }

    fn assert_no_secret(message: &str) {
        for secret in [KEY, AUTH, "c3luYzp0b2tlbi1zZWNyZXQ="] {
            assert!(!message.contains(secret), "{message}");
        }
    }

    #[wasm_bindgen_test]
    async fn requests_go_through_nodes_global_fetch_with_each_apis_url_and_auth() {
        let server = Server::start().await;
        let base = server.url();
        let fetch = transport(credentials(
            &format!("{base}/jc/"),
            &format!("{base}/site"),
            &format!("{base}/api"),
        ));

        let jc = fetch
            .send(get(Service::JumpCloud, "/api/systemusers?limit=1"))
            .await
            .unwrap();
        assert_eq!(jc.status, 200);
        assert_eq!(jc.header("x-trace"), Some("T-1"));
        assert!(jc.headers.iter().all(|(n, _)| *n == n.to_ascii_lowercase()));
        assert_eq!(jc.body, r#"{"path":"/jc/api/systemusers?limit=1"}"#);

        let jira = fetch
            .send(get(Service::Jira, "/rest/api/3/myself"))
            .await
            .unwrap();
        assert_eq!(jira.body, r#"{"path":"/site/rest/api/3/myself"}"#);
        let create = tributary_sync::client::request(
            Service::Assets,
            "POST",
            "/jsm/assets/workspace/ws/v1/object/create".into(),
            Some(r#"{"a":1}"#.into()),
        );
        let assets = fetch.send(create).await.unwrap();
        assert_eq!(
            assets.body,
            r#"{"path":"/api/jsm/assets/workspace/ws/v1/object/create"}"#
        );
        let missing = fetch
            .send(get(Service::Jira, "/rest/missing"))
            .await
            .unwrap();
        assert_eq!(
            missing.status, 404,
            "an HTTP error status is an answer, not a failure"
        );

        let seen = server.seen();
        assert_eq!(seen[0]["headers"]["x-api-key"], KEY);
        assert_eq!(seen[0]["headers"]["x-org-id"], "org-7");
        assert_eq!(seen[0]["headers"]["accept"], "application/json");
        assert!(seen[0]["headers"].get("authorization").is_none());
        assert_eq!(seen[1]["headers"]["authorization"], AUTH);
        assert!(seen[1]["headers"].get("x-api-key").is_none());
        assert_eq!(seen[2]["method"], "POST");
        assert_eq!(seen[2]["body"], r#"{"a":1}"#);
        assert_eq!(seen[2]["headers"]["content-type"], "application/json");
        assert_eq!(seen[2]["headers"]["authorization"], AUTH);
        server.close().await;
    }

    #[wasm_bindgen_test]
    async fn failures_are_transport_errors_that_never_hold_a_credential() {
        let server = Server::start().await;
        let base = server.url();
        let fetch = transport(credentials(&base, &base, &base));
        // The server drops the connection.
        let dropped = fetch.send(get(Service::Jira, "/drop")).await.unwrap_err();
        assert!(dropped.0.starts_with("Jira: "), "{}", dropped.0);
        assert_no_secret(&dropped.0);
        server.close().await;
        // Nobody listens any more.
        let refused = fetch
            .send(get(Service::JumpCloud, "/api/x"))
            .await
            .unwrap_err();
        assert!(refused.0.starts_with("JumpCloud: "), "{}", refused.0);
        assert_no_secret(&refused.0);

        // A URL that fetch cannot parse is quoted in the JS error: with a secret in it, the
        // secret is redacted.
        let bad = transport(credentials(
            &format!("::{KEY}::"),
            &format!("::{AUTH}::"),
            "::x::",
        ));
        for service in [Service::JumpCloud, Service::Jira] {
            let error = bad.send(get(service, "/p")).await.unwrap_err();
            assert!(error.0.contains("[redacted]"), "{}", error.0);
            assert_no_secret(&error.0);
        }

        // A key that is no valid header value: Node's message would quote it; ours names the
        // header only.
        let json =
            serde_json::json!({ "jumpcloud": { "baseUrl": base, "apiKey": format!("{KEY}\nX") } });
        let bad_key = transport(js_sys::JSON::parse(&json.to_string()).unwrap());
        let error = bad_key
            .send(get(Service::JumpCloud, "/api/x"))
            .await
            .unwrap_err();
        assert_eq!(
            error.0,
            "JumpCloud: the x-api-key header's value is not valid in HTTP"
        );
    }

    #[wasm_bindgen_test]
    async fn a_service_without_credentials_is_a_clear_transport_error() {
        let json =
            serde_json::json!({ "jumpcloud": { "baseUrl": "http://127.0.0.1:9", "apiKey": KEY } });
        let fetch = transport(js_sys::JSON::parse(&json.to_string()).unwrap());
        let error = fetch
            .send(get(Service::Jira, "/rest/api/3/myself"))
            .await
            .unwrap_err();
        assert_eq!(error.0, "Jira: not configured (no credentials for it)");
        let error = fetch
            .send(get(Service::Assets, "/jsm/assets/workspace/w/v1/x"))
            .await
            .unwrap_err();
        assert_eq!(error.0, "Assets: not configured (no credentials for it)");
    }

    #[wasm_bindgen_test]
    fn a_host_with_its_own_request_keeps_it_and_one_with_neither_is_told() {
        let with_request = hostWith(credentials("a", "b", "c"), Function::new_no_args("").into());
        assert!(FetchTransport::of_host(&with_request).unwrap().is_none());
        let neither = FetchTransport::of_host(&js_sys::Object::new())
            .err()
            .unwrap();
        assert!(neither.0.contains("neither"), "{}", neither.0);
        let malformed =
            js_sys::JSON::parse(&format!(r#"{{"jumpcloud":{{"apiKey":"{KEY}"}}}}"#)).unwrap();
        let error = FetchTransport::of_host(&hostWith(malformed, JsValue::UNDEFINED))
            .err()
            .expect("malformed credentials are refused");
        assert!(error.0.contains("malformed"));
        assert_no_secret(&error.0);
    }

    #[wasm_bindgen_test]
    fn redaction_covers_the_key_the_header_and_its_bare_token() {
        let fetch = transport(credentials("a", "b", "c"));
        let text = fetch.redact(&format!("k={KEY} h={AUTH} t=c3luYzp0b2tlbi1zZWNyZXQ="));
        assert_eq!(text, "k=[redacted] h=[redacted] t=[redacted]");
    }

    #[wasm_bindgen_test]
    fn bodies_are_read_as_response_text_reads_them() {
        let text = "{\"name\":\"Zoë 🌊\"}";
        assert_eq!(body_text(text.as_bytes().to_vec()), text);
        let marked = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
        assert_eq!(body_text(marked), text, "a byte-order mark is dropped");
        assert_eq!(body_text(Vec::new()), "");
        assert_eq!(
            body_text(b"{\"a\":\"\xFF\xC3\"}".to_vec()),
            "{\"a\":\"\u{FFFD}\u{FFFD}\"}",
            "invalid UTF-8 is replaced, not an error"
        );
    }

    #[wasm_bindgen_test]
    fn urls_join_with_or_without_slashes() {
        assert_eq!(join_url("https://h/", "/a"), "https://h/a");
        assert_eq!(join_url("https://h/base", "a?b=1"), "https://h/base/a?b=1");
    }
}
