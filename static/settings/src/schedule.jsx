// The schedule as form controls: frequency (the core's list), time of day and weekday for daily
// and weekly runs, the time zone, and "Next run: …" as the core computes it (`nextScheduledRun`,
// the same code the scheduled trigger decides with). Saved as a frequency's name, or as
// `{every, at?, day?, timeZone?}` when a time is set (docs/sync.md, Schedules).

import Select from '@atlaskit/select';
import Textfield from '@atlaskit/textfield';
import { useEffect, useId, useState } from 'react';

import { SCHEDULE_LABELS, WEEKDAY_LABELS } from './labels.js';

/** `{every, at, day, timeZone}` of a saved schedule (a name or an object). */
export function scheduleSpec(schedule) {
  if (schedule && typeof schedule === 'object') {
    return { every: schedule.every ?? 'manual', at: schedule.at ?? '', day: schedule.day ?? '', timeZone: schedule.timeZone ?? '' };
  }
  return { every: typeof schedule === 'string' && schedule ? schedule : 'manual', at: '', day: '', timeZone: '' };
}

/** What is saved: the bare name when nothing but the frequency is set, else the object. */
export function scheduleValue(spec) {
  const timed = spec.every === 'daily' || spec.every === 'weekly';
  const value = { every: spec.every };
  if (timed && spec.at) value.at = spec.at;
  if (spec.every === 'weekly' && spec.day) value.day = spec.day;
  if (timed && spec.at && spec.timeZone) value.timeZone = spec.timeZone;
  return Object.keys(value).length === 1 ? spec.every : value;
}

/** "Every day at 06:30 (Europe/Oslo)", for the imports list. */
export function scheduleText(schedule) {
  const spec = scheduleSpec(schedule);
  let text = SCHEDULE_LABELS[spec.every] ?? SCHEDULE_LABELS.manual;
  if (spec.every === 'weekly' && spec.day) text = `Every ${WEEKDAY_LABELS[spec.day] ?? spec.day}`;
  if ((spec.every === 'daily' || spec.every === 'weekly') && spec.at) text += ` at ${spec.at} (${spec.timeZone || 'UTC'})`;
  return text;
}

function timeZones() {
  try {
    return ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];
  } catch {
    return ['UTC'];
  }
}

/**
 * The next run in words: the core's answer for `value` (a saved-shape schedule), or why the
 * schedule cannot run. `{ok, text}`.
 */
export function nextRunText(core, value, lastStartedMs, now = Date.now()) {
  if (!core.canSchedule()) return { ok: true, text: '' };
  try {
    core.checkSchedule(value);
    const next = core.nextScheduledRun(value, lastStartedMs ?? null, now);
    if (next === undefined || next === null) return { ok: true, text: 'Next run: only when you press Run now.' };
    if (next <= now + 1000) return { ok: true, text: 'Next run: within five minutes (at the scheduler’s next check).' };
    // A time of day is in the schedule's zone (UTC when it names none); intervals in the admin's.
    const zone = typeof value === 'object' && value.at ? value.timeZone || 'UTC' : undefined;
    const when = new Date(next).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone: zone });
    return { ok: true, text: `Next run: ${when}${zone ? ` (${zone})` : ''}.` };
  } catch (error) {
    return { ok: false, text: `This schedule cannot run: ${error?.message || error}.` };
  }
}

/** The schedule controls; `value` is the saved shape, `onChange(value)` gets the same. */
export function ScheduleControls({ core, value, onChange, lastStartedMs }) {
  const spec = scheduleSpec(value);
  const ids = { every: useId(), at: useId(), day: useId(), zone: useId(), next: useId() };
  const [, tick] = useState(0);
  // "Next run" moves on with the clock.
  useEffect(() => {
    const timer = setInterval(() => tick((n) => n + 1), 30_000);
    return () => clearInterval(timer);
  }, []);
  const set = (patch) => onChange(scheduleValue({ ...spec, ...patch }));
  const frequencies = core.vocabulary.schedules.map((code) => ({ value: code, label: SCHEDULE_LABELS[code] ?? code }));
  const weekdays = (core.vocabulary.weekdays ?? []).map((code) => ({ value: code, label: WEEKDAY_LABELS[code] ?? code }));
  const zones = timeZones().map((z) => ({ value: z, label: z }));
  const timed = spec.every === 'daily' || spec.every === 'weekly';
  const next = nextRunText(core, value, lastStartedMs);
  return (
    <fieldset className="schedule">
      <legend className="label-like">Schedule</legend>
      <div className="schedule-row">
        <div className="field">
          <label htmlFor={ids.every}>Runs</label>
          <Select classNamePrefix="tb-select" inputId={ids.every} options={frequencies} value={frequencies.find((f) => f.value === spec.every) ?? null}
            onChange={(o) => set({ every: o.value })} isSearchable={false} aria-describedby={ids.next} />
        </div>
        {spec.every === 'weekly' && (
          <div className="field">
            <label htmlFor={ids.day}>Day</label>
            <Select classNamePrefix="tb-select" inputId={ids.day} options={[{ value: '', label: 'Any day (a week after the last run)' }, ...weekdays]}
              value={weekdays.find((d) => d.value === spec.day) ?? { value: '', label: 'Any day (a week after the last run)' }}
              onChange={(o) => set({ day: o.value })} isSearchable={false} />
          </div>
        )}
        {timed && (
          <div className="field field-time">
            <label htmlFor={ids.at}>Time of day</label>
            <Textfield id={ids.at} type="time" value={spec.at}
              onChange={(e) => set({ at: e.target.value, timeZone: spec.timeZone || Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC' })} />
          </div>
        )}
        {timed && spec.at && (
          <div className="field field-zone">
            <label htmlFor={ids.zone}>Time zone</label>
            <Select classNamePrefix="tb-select" inputId={ids.zone} options={zones} value={zones.find((z) => z.value === (spec.timeZone || 'UTC')) ?? null}
              onChange={(o) => set({ timeZone: o.value })} />
          </div>
        )}
      </div>
      <p id={ids.next} className={`help next-run${next.ok ? '' : ' next-run-bad'}`} role={next.ok ? undefined : 'alert'}>{next.text}</p>
    </fieldset>
  );
}
