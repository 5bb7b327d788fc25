//! Schedules for the hosts: whether a tick starts an import, when it runs next, and checking
//! what an admin saved. Time zone offsets come from the JavaScript engine's `Intl` (Node and
//! browsers carry the IANA database), so the core needs none of its own.

use std::cell::RefCell;
use std::collections::BTreeMap;

use js_sys::{Array, Date, Function, Object, Reflect};
use tributary_mapping::datetime::days_from_civil;
use tributary_sync::{Schedule, TimeZones};
use wasm_bindgen::prelude::*;

use crate::to_js;

/// Offsets from `Intl.DateTimeFormat`, one formatter per zone.
#[derive(Default)]
struct IntlZones {
    formatters: RefCell<BTreeMap<String, (JsValue, Function)>>,
}

impl IntlZones {
    /// `(formatter, formatToParts)` for a zone; an unknown zone is `Intl`'s RangeError, said.
    fn formatter(&self, zone: &str) -> Result<(JsValue, Function), String> {
        if let Some(found) = self.formatters.borrow().get(zone) {
            return Ok(found.clone());
        }
        let unknown =
            || format!("unknown time zone {zone:?} (use an IANA name such as Europe/Oslo)");
        let intl = Reflect::get(&js_sys::global(), &"Intl".into()).map_err(|_| unknown())?;
        let constructor: Function = Reflect::get(&intl, &"DateTimeFormat".into())
            .map_err(|_| unknown())?
            .dyn_into()
            .map_err(|_| unknown())?;
        let options = Object::new();
        for (key, value) in [
            ("timeZone", zone),
            ("hourCycle", "h23"),
            ("year", "numeric"),
            ("month", "numeric"),
            ("day", "numeric"),
            ("hour", "numeric"),
            ("minute", "numeric"),
            ("second", "numeric"),
        ] {
            Reflect::set(&options, &key.into(), &value.into()).map_err(|_| unknown())?;
        }
        let args = Array::of2(&"en-US".into(), &options);
        let formatter = Reflect::construct(&constructor, &args).map_err(|_| unknown())?;
        let to_parts: Function = Reflect::get(&formatter, &"formatToParts".into())
            .map_err(|_| unknown())?
            .dyn_into()
            .map_err(|_| unknown())?;
        self.formatters
            .borrow_mut()
            .insert(zone.to_string(), (formatter.clone(), to_parts.clone()));
        Ok((formatter, to_parts))
    }
}

impl TimeZones for IntlZones {
    fn offset_ms(&self, zone: &str, utc_ms: f64) -> Result<f64, String> {
        let (formatter, to_parts) = self.formatter(zone)?;
        let whole_seconds = (utc_ms / 1000.0).floor() * 1000.0;
        let parts = to_parts
            .call1(&formatter, &Date::new(&whole_seconds.into()))
            .map_err(|_| format!("cannot read the time in {zone:?}"))?;
        let mut fields = [0i64; 6];
        for part in Array::from(&parts).iter() {
            let kind = Reflect::get(&part, &"type".into())
                .ok()
                .and_then(|v| v.as_string());
            let value = Reflect::get(&part, &"value".into())
                .ok()
                .and_then(|v| v.as_string())
                .and_then(|v| v.parse::<i64>().ok());
            let slot = match kind.as_deref() {
                Some("year") => 0,
                Some("month") => 1,
                Some("day") => 2,
                Some("hour") => 3,
                Some("minute") => 4,
                Some("second") => 5,
                _ => continue,
            };
            fields[slot] = value.ok_or_else(|| format!("cannot read the time in {zone:?}"))?;
        }
        let [y, mo, d, h, mi, s] = fields;
        let days = days_from_civil(y as i32, mo as u32, d as u32);
        let local = ((days * 24 + h) * 60 + mi) as f64 * 60_000.0 + s as f64 * 1000.0;
        Ok(local - whole_seconds)
    }
}

thread_local! {
    static ZONES: IntlZones = IntlZones::default();
}

fn schedule_of(value: &JsValue) -> Result<Schedule, JsError> {
    let json: serde_json::Value = serde_wasm_bindgen::from_value(value.clone())
        .map_err(|e| JsError::new(&format!("bad schedule: {e}")))?;
    ZONES.with(|zones| Schedule::from_value(&json, zones).map_err(|e| JsError::new(&e)))
}

/// The schedule as the core reads it (`{every, at?, day?, timeZone?}`), from that form or a
/// frequency's name. Throws an `Error` saying what is wrong (an unknown time zone, `25:00`).
#[wasm_bindgen(js_name = checkSchedule, unchecked_return_type = "ScheduleSpec")]
pub fn check_schedule(
    #[wasm_bindgen(unchecked_param_type = "string | ScheduleSpec")] schedule: JsValue,
) -> Result<JsValue, JsError> {
    to_js(&schedule_of(&schedule)?)
}

/// Whether a scheduled-trigger tick at `nowMs` should start an import with this schedule that
/// the scheduler last started at `lastStartedMs` (absent: never). Throws for a bad schedule.
#[wasm_bindgen(js_name = isScheduleDue)]
pub fn is_schedule_due(
    #[wasm_bindgen(unchecked_param_type = "string | ScheduleSpec")] schedule: JsValue,
    last_started_ms: Option<f64>,
    now_ms: f64,
) -> Result<bool, JsError> {
    let schedule = schedule_of(&schedule)?;
    ZONES
        .with(|zones| schedule.is_due(last_started_ms, now_ms, zones))
        .map_err(|e| JsError::new(&e))
}

/// When an import with this schedule runs next (ms since the epoch; in the past when it is
/// overdue), or `undefined` for manual imports. Throws for a bad schedule.
#[wasm_bindgen(js_name = nextScheduledRun)]
pub fn next_scheduled_run(
    #[wasm_bindgen(unchecked_param_type = "string | ScheduleSpec")] schedule: JsValue,
    last_started_ms: Option<f64>,
    now_ms: f64,
) -> Result<Option<f64>, JsError> {
    let schedule = schedule_of(&schedule)?;
    ZONES
        .with(|zones| schedule.next_run(last_started_ms, now_ms, zones))
        .map_err(|e| JsError::new(&e))
}

/// Whether an import that a scheduled import (with this schedule) depends on is too old to
/// link against: it never succeeded (`lastSucceededMs` absent), or not within this schedule's
/// interval. The scheduler then runs it first. Throws for a bad schedule.
#[wasm_bindgen(js_name = isDependencyStale)]
pub fn is_dependency_stale(
    #[wasm_bindgen(unchecked_param_type = "string | ScheduleSpec")] schedule: JsValue,
    last_succeeded_ms: Option<f64>,
    now_ms: f64,
) -> Result<bool, JsError> {
    Ok(schedule_of(&schedule)?.is_dependency_stale(last_succeeded_ms, now_ms))
}
