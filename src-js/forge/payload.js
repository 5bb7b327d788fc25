// Resolver payloads are whatever a page sends: each resolver declares the fields it takes, and
// anything else (a wrong type, an out-of-range number, an unknown field) is refused with an
// error that names the field, before any of it reaches the core or storage.

/** A request the resolver refuses: the page shows the message. */
export class PayloadError extends Error {
  constructor(message) {
    super(message);
    this.name = 'PayloadError';
    this.status = 400;
  }
}

const describe = (value) => (value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value);

/** A text of at most `max` characters. */
export const text = ({ max = 1_000_000, optional = false } = {}) => ({
  optional,
  check: (v) => (typeof v !== 'string' ? `must be text, not ${describe(v)}` : v.length > max ? `must be at most ${max} characters` : null),
});

/** A numeric Assets id, given as text or as a whole number. */
export const assetsId = ({ optional = false } = {}) => ({
  optional,
  check: (v) => (/^\d{1,18}$/.test(typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : v) ? null : 'must be a numeric Assets id'),
});

/** A whole number from `min` to `max`. */
export const int = ({ min, max, optional = false }) => ({
  optional,
  check: (v) => (Number.isSafeInteger(v) && v >= min && v <= max ? null : `must be a whole number from ${min} to ${max}`),
});

/** `true` or `false`, nothing else ("no" is not false). */
export const bool = ({ optional = false } = {}) => ({
  optional,
  check: (v) => (typeof v === 'boolean' ? null : `must be true or false, not ${describe(v)}`),
});

/** A list of at most `max` items, each checked by `of`. */
export const list = ({ of, max, optional = false }) => ({
  optional,
  check: (v) => {
    if (!Array.isArray(v)) return `must be a list, not ${describe(v)}`;
    if (v.length > max) return `must have at most ${max} items`;
    for (const [i, item] of v.entries()) {
      const problem = of.check(item);
      if (problem) return `item ${i} ${problem}`;
    }
    return null;
  },
});

/** One of the given texts. */
export const oneOf = (values, { optional = false } = {}) => ({
  optional,
  check: (v) => (values.includes(v) ? null : `must be one of ${values.join(', ')}`),
});

/** An object (its fields are checked where it is used). */
export const object = ({ optional = false } = {}) => ({
  optional,
  check: (v) => (v && typeof v === 'object' && !Array.isArray(v) ? null : `must be an object, not ${describe(v)}`),
});

/** Checks `payload` against `shape` ({field: rule}); returns it, or throws a PayloadError. */
export function checkPayload(name, shape, payload) {
  if (payload === undefined || payload === null) payload = {};
  if (typeof payload !== 'object' || Array.isArray(payload)) {
    throw new PayloadError(`${name}: the request must be an object, not ${describe(payload)}`);
  }
  for (const key of Object.keys(payload)) {
    if (!(key in shape)) throw new PayloadError(`${name}: unknown field '${key}' (it takes ${Object.keys(shape).join(', ') || 'no fields'})`);
  }
  for (const [key, rule] of Object.entries(shape)) {
    const value = payload[key];
    if (value === undefined || value === null) {
      if (rule.optional) continue;
      throw new PayloadError(`${name}: '${key}' is missing`);
    }
    const problem = rule.check(value);
    if (problem) throw new PayloadError(`${name}: '${key}' ${problem}`);
  }
  return payload;
}
