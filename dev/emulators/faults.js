// Fault plans: deterministic failures injected per route, shared by both emulators.
//
// A plan is `{seed, rules: [{route, kind, every?, probability?, count?, after?, burst?, ...}]}`:
// - route: "METHOD /path" matched against the emulator's route template by suffix, so
//   "POST /object/create" matches ".../v1/object/create"; "*" matches any method or path,
//   and "{id}" in the rule matches any template placeholder.
// - kind: 'latency' (delayMs, then a normal answer), 'slow' (body trickled in chunks over
//   delayMs), '429' (retryAfter seconds), '500' | '502' | '503', 'drop' (socket destroyed
//   before any response), 'truncate' (headers announce the full length, half the body is sent,
//   then the socket closes).
// - every: fire on every n-th matching request; probability: fire with this chance, drawn
//   from a PRNG seeded by `seed` and the rule's index (so runs repeat exactly);
//   neither: fire on every match. count: fire at most this many times. after: skip the first
//   n matches. burst: once fired, also fail the next burst-1 matches (a 429 burst).

const KINDS = new Set(['latency', 'slow', '429', '500', '502', '503', 'drop', 'truncate']);

/** Small seeded PRNG (mulberry32): fast, deterministic and good enough for fault dice. */
export function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function compileRoute(route) {
  const spec = String(route ?? '*').trim();
  const space = spec.indexOf(' ');
  const method = space < 0 ? (spec === '*' ? '*' : spec.toUpperCase()) : spec.slice(0, space).toUpperCase();
  const pathPattern = space < 0 ? '*' : spec.slice(space + 1).trim();
  const normalise = (path) => path.replace(/\{[^}]+\}/g, '{}').replace(/\/+$/, '');
  const wanted = normalise(pathPattern);
  return (reqMethod, template) => {
    if (method !== '*' && method !== reqMethod) return false;
    if (pathPattern === '*') return true;
    const have = normalise(template);
    return have === wanted || have.endsWith(wanted.startsWith('/') ? wanted : `/${wanted}`);
  };
}

/** A fault plan; `decide(method, template)` returns the fault to apply to this request, or null. */
export class FaultPlan {
  constructor({ seed = 1, rules = [] } = {}) {
    this.seed = seed;
    this.rules = rules.map((rule, index) => {
      if (!KINDS.has(String(rule.kind))) {
        throw new Error(`fault rule ${index}: unknown kind "${rule.kind}" (expected one of ${[...KINDS].join(', ')})`);
      }
      if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1)) {
        throw new Error(`fault rule ${index}: probability must be between 0 and 1`);
      }
      if (rule.every !== undefined && !(Number.isInteger(rule.every) && rule.every >= 1)) {
        throw new Error(`fault rule ${index}: every must be a positive integer`);
      }
      return {
        ...rule,
        kind: String(rule.kind),
        matches: compileRoute(rule.route),
        random: seededRandom((seed * 7919 + index * 104729) >>> 0),
        seen: 0,
        fired: 0,
        burstLeft: 0,
      };
    });
    this.injected = [];
  }

  /** Replaces the rules (e.g. from the control API) and resets counters. */
  reset(options) {
    Object.assign(this, new FaultPlan(options ?? { seed: this.seed, rules: [] }));
  }

  decide(method, template) {
    for (const rule of this.rules) {
      if (!rule.matches(method, template)) continue;
      rule.seen += 1;
      if (rule.burstLeft > 0) {
        rule.burstLeft -= 1;
        return this.#fire(rule, method, template);
      }
      if (rule.after && rule.seen <= rule.after) continue;
      if (rule.count !== undefined && rule.fired >= rule.count) continue;
      const nth = rule.seen - (rule.after ?? 0);
      let fires = true;
      if (rule.every !== undefined) fires = nth % rule.every === 0;
      if (fires && rule.probability !== undefined) fires = rule.random() < rule.probability;
      if (!fires) continue;
      rule.fired += 1;
      rule.burstLeft = Math.max(0, (rule.burst ?? 1) - 1);
      return this.#fire(rule, method, template);
    }
    return null;
  }

  #fire(rule, method, template) {
    const fault = {
      kind: rule.kind,
      delayMs: rule.delayMs ?? (rule.kind === 'slow' ? 1000 : 200),
      retryAfter: rule.retryAfter ?? 1,
      explicitRetryAfter: rule.retryAfter !== undefined,
      route: `${method} ${template}`,
    };
    this.injected.push({ kind: fault.kind, route: fault.route, at: Date.now() });
    if (this.injected.length > 10_000) this.injected.shift();
    return fault;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const STATUS_TEXT = { 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable' };

/**
 * Applies a fault. Before the handler runs (no `answer`): returns true when the request has
 * been fully answered (or dropped) by the fault. After the handler (`answer` given): sends the
 * answer slowly or truncated.
 */
export async function applyFault(fault, { res, entry, errorBody, send, answer }) {
  if (answer) {
    res.writeHead(answer.status, answer.headers);
    const bytes = Buffer.from(answer.payload);
    entry.status = answer.status;
    entry.fault = fault.kind;
    if (fault.kind === 'truncate') {
      // Content-Length promises the full body; the client must notice the short read.
      res.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
      await sleep(5);
      res.destroy();
      return true;
    }
    const chunks = 5;
    const size = Math.ceil(bytes.length / chunks) || 1;
    for (let offset = 0; offset < bytes.length; offset += size) {
      // Wait before each chunk so the last byte arrives no sooner than delayMs.
      await sleep(fault.delayMs / chunks);
      if (res.destroyed) return true;
      res.write(bytes.subarray(offset, offset + size));
    }
    res.end();
    return true;
  }
  switch (fault.kind) {
    case 'latency':
      await sleep(fault.delayMs);
      return false;
    case 'slow':
    case 'truncate':
      return false; // applied to the real answer once the handler has produced it
    case 'drop':
      entry.status = 0;
      entry.fault = 'drop';
      res.socket?.destroy();
      return true;
    default: {
      const status = Number(fault.kind);
      // 429 always says when to retry; a 503 does when the rule gives retryAfter explicitly.
      const headers = status === 429 || (status === 503 && fault.explicitRetryAfter) ? { 'retry-after': String(fault.retryAfter) } : {};
      const answerNow = send(res, {
        status,
        headers,
        body: errorBody(status, `${STATUS_TEXT[status]} (injected fault)`),
      });
      entry.status = status;
      entry.fault = fault.kind;
      res.writeHead(answerNow.status, answerNow.headers).end(answerNow.payload);
      return true;
    }
  }
}
