//! Schedules through the exports, with time zones from the JavaScript engine's `Intl`.

use serde_json::json;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

const HOUR: f64 = 3_600_000.0;
/// 2026-07-06T00:00:00Z, a Monday in Oslo's summer time (UTC+2).
const SUMMER_MONDAY: f64 = 1_783_296_000_000.0;
/// 2026-01-05T00:00:00Z, a Monday in Oslo's winter time (UTC+1).
const WINTER_MONDAY: f64 = 1_767_571_200_000.0;

fn js(value: serde_json::Value) -> JsValue {
    serde_wasm_bindgen::to_value(&value).unwrap()
}

#[wasm_bindgen_test]
fn daily_at_a_time_follows_the_zone_through_summer_and_winter() {
    let daily = js(json!({"every": "daily", "at": "06:30", "timeZone": "Europe/Oslo"}));
    let summer = tributary_wasm::next_scheduled_run(daily.clone(), None, SUMMER_MONDAY).unwrap();
    assert_eq!(summer, Some(SUMMER_MONDAY + 4.5 * HOUR));
    let winter = tributary_wasm::next_scheduled_run(daily.clone(), None, WINTER_MONDAY).unwrap();
    assert_eq!(winter, Some(WINTER_MONDAY + 5.5 * HOUR));
    assert!(
        tributary_wasm::is_schedule_due(daily.clone(), None, WINTER_MONDAY + 5.6 * HOUR).unwrap()
    );
    assert!(!tributary_wasm::is_schedule_due(
        daily,
        Some(WINTER_MONDAY + 5.55 * HOUR),
        WINTER_MONDAY + 5.6 * HOUR
    )
    .unwrap());
}

#[wasm_bindgen_test]
fn names_still_work_and_bad_schedules_throw_errors_that_say_why() {
    assert!(tributary_wasm::is_schedule_due("hourly".into(), Some(0.0), HOUR).unwrap());
    assert_eq!(
        tributary_wasm::next_scheduled_run("manual".into(), None, 0.0).unwrap(),
        None
    );
    let checked = tributary_wasm::check_schedule(js(
        json!({"every": "weekly", "day": "friday", "at": "9:05"}),
    ))
    .unwrap();
    let back: serde_json::Value = serde_wasm_bindgen::from_value(checked).unwrap();
    assert_eq!(
        back,
        json!({"every": "weekly", "day": "friday", "at": "9:05"})
    );
    for (bad, says) in [
        (
            json!({"every": "daily", "at": "06:00", "timeZone": "Mars/Olympus"}),
            "unknown time zone",
        ),
        (json!({"every": "daily", "at": "24:00"}), "HH:MM"),
        (json!("Hourly"), "unknown schedule"),
    ] {
        let error = tributary_wasm::check_schedule(js(bad)).unwrap_err();
        let message = js_sys::Error::from(JsValue::from(error)).message();
        assert!(String::from(&message).contains(says), "{message:?}");
    }
}
