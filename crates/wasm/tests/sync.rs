//! runSync / previewSync through a tiny JS host (JumpCloud + Assets fakes, in-memory storage).

mod common;

use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

#[wasm_bindgen(inline_js = r#"
export function makeHost() {
  const storage = new Map();
  const objects = [];
  const calls = [];
  let next = 1;
  const attrs = [
    { id: '1', name: 'JumpCloud ID', type: 0, defaultType: { id: 0, name: 'Text' } },
    { id: '2', name: 'Name', type: 0, defaultType: { id: 0, name: 'Text' }, label: true },
  ];
  // Not ASCII, so the bytes the host hands over are read as UTF-8, not as Latin-1.
  const users = [{ _id: 'a1', firstname: 'Ånn 🌊' }, { _id: 'b2', firstname: 'Bob' }];
  const utf8 = new TextEncoder();
  // The response's bytes, as a host reads them with arrayBuffer().
  const json = (status, body, headers = {}) => ({ status, headers, body: utf8.encode(JSON.stringify(body)) });
  let dropNextJumpCloud = true;
  return {
    calls, objects, storage,
    async request(req) {
      calls.push(req);
      if (req.service === 'jumpcloud') {
        // The first JumpCloud request loses its connection: the engine must retry it.
        if (dropNextJumpCloud) { dropNextJumpCloud = false; throw new Error('socket hang up'); }
        return json(200, { totalCount: users.length, results: users });
      }
      const path = req.path.split('?')[0];
      if (path === '/rest/servicedeskapi/assets/workspace') {
        // The ArrayBuffer itself (what Forge's arrayBuffer() resolves to) is bytes too.
        const answer = json(200, { values: [{ workspaceId: 'ws' }] });
        return { ...answer, body: answer.body.buffer };
      }
      if (path.endsWith('/objecttype/10')) return json(200, { id: '10', name: 'Users', objectSchemaId: '1' });
      if (path.endsWith('/objecttype/10/attributes')) return json(200, attrs);
      if (path.endsWith('/object/aql')) {
        const values = objects.map((o) => ({ id: String(o.id), objectKey: 'K-' + o.id, label: '', attributes: o.attributes }));
        return json(200, { startAt: 0, maxResults: 200, total: values.length, isLast: true, values }, [['X-Trace', '1']]);
      }
      if (path.endsWith('/object/create')) {
        const body = JSON.parse(req.body);
        const o = {
          id: next++,
          attributes: body.attributes.map((a) => ({
            objectTypeAttributeId: a.objectTypeAttributeId,
            objectAttributeValues: a.objectAttributeValues.map((v) => ({ value: v.value, displayValue: v.value })),
          })),
        };
        objects.push(o);
        return json(201, { id: String(o.id), objectKey: 'K-' + o.id });
      }
      throw new Error('unexpected ' + req.method + ' ' + req.path);
    },
    storageGet: async (k) => (storage.has(k) ? storage.get(k) : null),
    storageSet: async (k, v) => { storage.set(k, v); },
    storageDelete: (k) => { storage.delete(k); },
    storageSetExpiring: async (k, v) => { storage.set(k, v); },
    storageCreate: async (k, v) => { if (storage.has(k)) return false; storage.set(k, v); return true; },
    storageSwap: async (k, v) => { const old = storage.get(k) ?? null; storage.set(k, v); return old; },
    now: () => Date.now(),
    sleep: async () => {},
    log: () => {},
  };
}
// The same host, its answers' bodies replaced by `body(text)`: a host that breaks the contract.
export function answeringBodiesAs(host, body) {
  const request = host.request;
  host.request = async (req) => {
    const answer = await request(req);
    return { ...answer, body: body(new TextDecoder().decode(answer.body)) };
  };
  return host;
}
"#)]
extern "C" {
    fn makeHost() -> JsValue;
    fn answeringBodiesAs(host: JsValue, body: &js_sys::Function) -> JsValue;
}

const OPTIONS: &str = r#"{"importId":"users","mappingText":"key:_id=JumpCloud ID\nmap:firstname=Name\nconfig:objectType=10\n"}"#;

fn options() -> JsValue {
    js_sys::JSON::parse(OPTIONS).unwrap()
}

fn get(value: &JsValue, path: &str) -> JsValue {
    path.split('.').fold(value.clone(), |v, key| {
        Reflect::get(&v, &JsValue::from_str(key)).unwrap()
    })
}

#[wasm_bindgen_test]
async fn run_sync_writes_once_then_nothing() {
    let host = makeHost();
    let report = tributary_wasm::run_sync(host.clone().unchecked_into(), options())
        .await
        .unwrap();
    assert_eq!(
        get(&report, "status").as_string().as_deref(),
        Some("succeeded"),
        "{report:?}"
    );
    assert_eq!(get(&report, "counts.created").as_f64(), Some(2.0));
    assert_eq!(
        get(&report, "apiCalls.retries").as_f64(),
        Some(1.0),
        "the dropped connection was retried"
    );
    let objects: js_sys::Array = get(&host, "objects").into();
    assert_eq!(objects.length(), 2);
    // The run record is stored as JSON text.
    let storage: js_sys::Map = get(&host, "storage").into();
    let run_id = get(&report, "runId").as_string().unwrap();
    let record = storage.get(&JsValue::from_str(&format!("tributary:run:users:{run_id}")));
    assert!(record.as_string().unwrap().contains("\"succeeded\""));

    let again = tributary_wasm::run_sync(host.clone().unchecked_into(), options())
        .await
        .unwrap();
    assert_eq!(get(&again, "counts.created").as_f64(), Some(0.0));
    assert_eq!(get(&again, "counts.unchanged").as_f64(), Some(2.0));
}

#[wasm_bindgen_test]
async fn preview_sync_returns_the_plan_without_writing() {
    let host = makeHost();
    let report = tributary_wasm::preview_sync(host.clone().unchecked_into(), options())
        .await
        .unwrap();
    assert_eq!(
        get(&report, "plan.creates.length").as_f64(),
        Some(2.0),
        "{report:?}"
    );
    assert_eq!(
        get(&report, "plan.creates.0.changes.1.new.0")
            .as_string()
            .as_deref(),
        Some("Ånn 🌊")
    );
    let objects: js_sys::Array = get(&host, "objects").into();
    assert_eq!(objects.length(), 0);
    let storage: js_sys::Map = get(&host, "storage").into();
    assert_eq!(storage.size(), 0);
}

#[wasm_bindgen_test]
async fn bad_options_throw() {
    let error = tributary_wasm::run_sync(makeHost().unchecked_into(), JsValue::from_str("{"))
        .await
        .unwrap_err();
    let error: JsValue = error.into();
    assert!(get(&error, "message")
        .as_string()
        .unwrap()
        .contains("the sync options must be an object (got string)"));
    let numeric = js_sys::JSON::parse(r#"{"importId":"users","mappingText":7}"#).unwrap();
    let error: JsValue = tributary_wasm::run_sync(makeHost().unchecked_into(), numeric)
        .await
        .unwrap_err()
        .into();
    assert!(get(&error, "message")
        .as_string()
        .unwrap()
        .contains("invalid sync options"));
}

#[wasm_bindgen_test]
async fn a_run_of_a_bad_mapping_reports_the_mapping_diagnostics() {
    let host = makeHost();
    let bad = js_sys::JSON::parse(
        r#"{"importId":"users","mappingText":"map:firstname=Name\nconfig:objectType=10\n"}"#,
    )
    .unwrap();
    let report = tributary_wasm::run_sync(host.clone().unchecked_into(), bad)
        .await
        .unwrap();
    assert_eq!(
        get(&report, "status").as_string().as_deref(),
        Some("failed")
    );
    assert_eq!(
        get(&report, "error.code").as_string().as_deref(),
        Some("E101")
    );
    assert_eq!(
        get(&report, "error.diagnostics.0.code")
            .as_string()
            .as_deref(),
        Some("E001")
    );
    let calls: js_sys::Array = get(&host, "calls").into();
    assert_eq!(calls.length(), 0, "nothing is requested for a bad mapping");
    let diagnostics = get(&report, "error.diagnostics");
    let text = common::render_diagnostics_of(
        "map:firstname=Name\nconfig:objectType=10\n",
        "users.map",
        diagnostics,
    )
    .unwrap();
    assert!(text.contains("error[E001]"), "{text}");
    // sampleSource rejects with the same code and diagnostics.
    let sample = js_sys::JSON::parse(r#"{"mappingText":"map:firstname=Name\n"}"#).unwrap();
    let error = tributary_wasm::sample_source(host.unchecked_into(), sample)
        .await
        .unwrap_err();
    assert_eq!(get(&error, "code").as_string().as_deref(), Some("E101"));
    assert_eq!(
        get(&error, "diagnostics.0.code").as_string().as_deref(),
        Some("E001")
    );
}

#[wasm_bindgen_test]
async fn pickers_read_through_the_core_client() {
    let host = makeHost();
    let options = js_sys::JSON::parse(r#"{"objectTypeId":"10"}"#).unwrap();
    let picked = tributary_wasm::list_attributes(host.clone().unchecked_into(), options)
        .await
        .unwrap();
    assert_eq!(
        get(&picked, "workspaceId").as_string().as_deref(),
        Some("ws")
    );
    assert_eq!(
        get(&picked, "items.1.name").as_string().as_deref(),
        Some("Name")
    );
    let calls: js_sys::Array = get(&host, "calls").into();
    let services: Vec<String> = calls
        .iter()
        .map(|c| get(&c, "service").as_string().unwrap())
        .collect();
    assert_eq!(
        services,
        ["jira", "assets"],
        "workspace from Jira, attributes from Assets"
    );
    let bad = js_sys::JSON::parse(r#"{"objectTypeId":"10 OR 1=1"}"#).unwrap();
    let error = tributary_wasm::list_attributes(host.unchecked_into(), bad)
        .await
        .unwrap_err();
    assert!(get(&error, "message")
        .as_string()
        .unwrap()
        .contains("is not an object type id"));
}

#[wasm_bindgen_test]
async fn a_host_that_hands_over_text_instead_of_bytes_is_told_what_it_gave() {
    let options = || js_sys::JSON::parse(r#"{"objectTypeId":"10"}"#).unwrap();
    for (body, given) in [
        ("return text", "not a string"),
        ("return 7", "not a number"),
        ("return { text }", "not an object of another kind"),
    ] {
        let host = answeringBodiesAs(makeHost(), &js_sys::Function::new_with_args("text", body));
        let error = tributary_wasm::list_attributes(host.unchecked_into(), options())
            .await
            .unwrap_err();
        let message = get(&error, "message").as_string().unwrap();
        assert!(
            message.contains("the host's response body must be the response's bytes")
                && message.contains(given),
            "{body}: {message}"
        );
    }
    // A host that answers with bytes (a Node Buffer is a Uint8Array) is read the same way.
    let bytes = js_sys::Function::new_with_args("text", "return Buffer.from(text)");
    let host = answeringBodiesAs(makeHost(), &bytes);
    let picked = tributary_wasm::list_attributes(host.unchecked_into(), options())
        .await
        .unwrap();
    assert_eq!(
        get(&picked, "items.1.name").as_string().as_deref(),
        Some("Name")
    );
}

#[wasm_bindgen_test]
fn vocabulary_comes_from_the_core() {
    let v = tributary_wasm::vocabulary().unwrap();
    let schedules: Vec<String> = js_sys::Array::from(&get(&v, "schedules"))
        .iter()
        .map(|s| s.as_string().unwrap())
        .collect();
    assert_eq!(
        schedules,
        ["manual", "fiveMinutes", "hourly", "daily", "weekly"]
    );
    assert_eq!(get(&v, "regions.1.code").as_string().as_deref(), Some("EU"));
    assert_eq!(
        get(&v, "storage.runPrefix").as_string().as_deref(),
        Some("tributary:run:")
    );
    let pattern = get(&v, "idRule.pattern").as_string().unwrap();
    let re = js_sys::RegExp::new(&pattern, "");
    assert!(re.test("users.v2_a-b"));
    assert!(!re.test("a b"));
    assert!(!re.test(&"x".repeat(101)));
}
