// The Forge key-value store as the @forge/kvs client sees it: the JSON-over-POST endpoints under
// /api/v1/*, their limits and their error bodies ({code, message}, documented on "Error handling
// for the Key-Value Store"). Optionally persisted to a JSON file; secrets are encrypted at rest
// with a key kept in a sibling file, because a plaintext API key on disk is a leak.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Documented limits (storage-reference/kvs-api, limits-kvs-ce, kvs-transactions). */
export const KVS_LIMITS = Object.freeze({
  keyMaxLength: 500,
  valueMaxBytes: 240 * 1024,
  maxDepth: 31,
  queryDefaultLimit: 10,
  queryMaxLimit: 100,
  transactionMaxOperations: 25,
  transactionMaxBytes: 4 * 1024 * 1024,
  ttlMaxSeconds: 365 * 24 * 3600,
});

/**
 * Documented operation limits per installation (limits-kvs-ce): requests a second, and read and
 * write "units" a minute, a unit being a request's payload rounded up to 10 KB (a 65 KB value
 * counts 7).
 */
export const KVS_QUOTAS = Object.freeze({
  requestsPerSecond: 1000,
  readUnitsPerMinute: 4000,
  writeUnitsPerMinute: 4000,
  unitBytes: 10 * 1024,
});

/** The units a payload of `bytes` counts for (at least one). */
export const kvsUnits = (bytes) => Math.max(1, Math.ceil(bytes / KVS_QUOTAS.unitBytes));

const KEY_PATTERN = /^(?!\s+$)[a-zA-Z0-9:._\s-#]+$/;
const TTL_UNIT_SECONDS = { SECONDS: 1, MINUTES: 60, HOURS: 3600, DAYS: 86400 };

class KvsFailure extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const badRequest = (code, message) => new KvsFailure(400, code, message);

function validateKey(key, where = 'key') {
  if (typeof key !== 'string' || key.length === 0) {
    throw badRequest('KEY_TOO_SHORT', `The provided ${where} needs to be at least one character.`);
  }
  if (key.length > KVS_LIMITS.keyMaxLength) {
    throw badRequest('KEY_TOO_LONG', `The provided ${where} has exceeded the maximum ${KVS_LIMITS.keyMaxLength} characters.`);
  }
  if (!KEY_PATTERN.test(key)) {
    throw badRequest('INVALID_KEY', `The provided ${where} does not match the regex: /^(?!\\s+$)[a-zA-Z0-9:._\\s-#]+$/`);
  }
}

function depthOf(value) {
  // Iterative, so a hostile deep value cannot overflow our stack before we refuse it.
  let max = 0;
  const stack = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop();
    if (v && typeof v === 'object') {
      const depth = d + 1;
      if (depth > max) max = depth;
      if (max > KVS_LIMITS.maxDepth) return max;
      for (const child of Object.values(v)) stack.push([child, depth]);
    }
  }
  return max;
}

function validateValue(value) {
  if (value === undefined) {
    throw badRequest('BAD_REQUEST', 'Provided request body is invalid: value is missing');
  }
  const bytes = Buffer.byteLength(JSON.stringify(value));
  if (bytes > KVS_LIMITS.valueMaxBytes) {
    throw badRequest(
      'MAX_SIZE',
      `The provided value has exceeded the maximum size limit (${bytes} bytes > ${KVS_LIMITS.valueMaxBytes} bytes).`,
    );
  }
  if (depthOf(value) > KVS_LIMITS.maxDepth) {
    throw badRequest('MAX_DEPTH', `The provided value has exceeded the maximum object depth (${KVS_LIMITS.maxDepth}) limit.`);
  }
}

function ttlSeconds(options) {
  const ttl = options?.ttl;
  if (!ttl) return undefined;
  const unit = TTL_UNIT_SECONDS[ttl.unit];
  if (!unit || !Number.isFinite(ttl.value) || ttl.value <= 0) {
    throw badRequest('BAD_REQUEST', 'Provided request body is invalid: ttl needs a positive value and a unit of SECONDS, MINUTES, HOURS or DAYS');
  }
  const seconds = ttl.value * unit;
  if (seconds > KVS_LIMITS.ttlMaxSeconds) {
    throw badRequest('BAD_REQUEST', 'Provided request body is invalid: ttl cannot exceed 1 year');
  }
  return seconds;
}

const encodeCursor = (key) => Buffer.from(JSON.stringify({ k: key })).toString('base64url');
function decodeCursor(cursor) {
  try {
    const { k } = JSON.parse(Buffer.from(String(cursor), 'base64url').toString('utf8'));
    if (typeof k === 'string') return k;
  } catch {
    // fall through to the error below
  }
  throw badRequest('INVALID_CURSOR', 'The provided cursor is invalid.');
}

function matchesWhere(key, where) {
  if (!where || where.length === 0) return true;
  return where.every(({ property, condition, values = [] }) => {
    if (property !== 'key') {
      throw badRequest('BAD_REQUEST', `Provided request body is invalid: only the "key" property can be queried, not "${property}"`);
    }
    const [a, b] = values.map(String);
    switch (condition) {
      case 'BEGINS_WITH': return key.startsWith(a);
      case 'BETWEEN': return key >= a && key <= b;
      case 'EQUAL_TO': return key === a;
      case 'GREATER_THAN': return key > a;
      case 'GREATER_THAN_EQUAL_TO': return key >= a;
      case 'LESS_THAN': return key < a;
      case 'LESS_THAN_EQUAL_TO': return key <= a;
      default:
        throw badRequest('BAD_REQUEST', `Provided request body is invalid: unsupported condition "${condition}"`);
    }
  });
}

/** One stored entry, in memory. Secrets live in their own namespace and are never queried. */
function entry(value, now, ttl, previous) {
  return {
    value,
    createdAt: previous?.createdAt ?? now,
    updatedAt: now,
    ...(ttl ? { expireTime: new Date(now + ttl * 1000).toISOString() } : {}),
  };
}

/**
 * What kind of value a request's first key holds, for the usage by family: the key's second
 * segment, and its fourth when that is a word (`tributary:state:{import}:source:3` →
 * `state:source`; ids carry digits, `tributary:results:{import}:{run}:0` → `results`).
 */
function keyFamily(path, body) {
  const first = Array.isArray(body) ? body[0] : path === '/api/v1/transaction' ? [...(body?.set ?? []), ...(body?.delete ?? [])][0] : body;
  const parts = typeof first?.key === 'string' ? first.key.split(':') : [];
  const family = parts[1] ?? 'other';
  return parts[3] && /^[a-z]+$/i.test(parts[3]) ? `${family}:${parts[3]}` : family;
}

export class KvsStore {
  /**
   * @param {{file?: string, now?: () => number, quotas?: boolean}} [options] file: JSON file to
   *   persist to; quotas: refuse what goes over KVS_QUOTAS with 429 RATE_LIMIT_EXCEEDED, as
   *   Forge does (off by default: the units are always counted, see `usage`)
   */
  constructor({ file, now = Date.now, quotas = false } = {}) {
    this.file = file;
    this.now = now;
    this.quotas = quotas;
    /** Units and requests in the trailing windows: `[at, units]` per request, and their sum. */
    this.window = { read: { list: [], sum: 0 }, write: { list: [], sum: 0 }, requests: { list: [], sum: 0 } };
    /**
     * What the store was asked for: units by kind, the most in any trailing minute (requests:
     * in any second), and the requests refused for a quota.
     */
    this.usage = { readUnits: 0, writeUnits: 0, peakReadUnitsPerMinute: 0, peakWriteUnitsPerMinute: 0, peakRequestsPerSecond: 0, throttled: 0, writeUnitsByFamily: {} };
    /** @type {Map<string, object>} */
    this.values = new Map();
    /** @type {Map<string, object>} */
    this.secrets = new Map();
    /** Injected failures (see injectFault). */
    this.faults = [];
    if (file) this.#load();
  }

  /**
   * The fault switch: makes matching requests fail as a store that is down or throttling
   * does, with Forge's error body `{code, message}`, before anything is changed. A request
   * matches when its operation is listed and one of its keys starts with `keyPrefix` (a
   * query, which names no key, only matches a fault without one).
   * @param {{operations?: string[], keyPrefix?: string, status?: number, code?: string, times?: number}} fault
   *   operations: of get, set, delete, query, batch, transaction, secret (default: the writes
   *   set, delete, batch, transaction); status: default 500; times: fail this many requests,
   *   then pass (default: all of them)
   * @returns {{failed: number, remove(): void}} `failed` counts the requests it refused
   */
  injectFault({ operations = ['set', 'delete', 'batch', 'transaction'], keyPrefix = '', status = 500, code, times = Infinity } = {}) {
    const fault = {
      operations: new Set(operations),
      keyPrefix,
      status,
      code: code ?? (status === 429 ? 'RATE_LIMIT_EXCEEDED' : 'INTERNAL_SERVER_ERROR'),
      left: times,
      failed: 0,
      remove: () => {
        this.faults = this.faults.filter((f) => f !== fault);
      },
    };
    this.faults.push(fault);
    return fault;
  }

  /** Removes every injected fault. */
  clearFaults() {
    this.faults = [];
  }

  #checkFaults(path, body) {
    if (this.faults.length === 0) return;
    const [, operation = ''] = /^\/api\/v1\/([a-z]+)/.exec(path) ?? [];
    const items = Array.isArray(body) ? body : operation === 'transaction' ? [...(body?.set ?? []), ...(body?.delete ?? [])] : [body];
    const keys = items.map((item) => (typeof item?.key === 'string' ? item.key : ''));
    for (const fault of this.faults) {
      if (fault.left <= 0 || !fault.operations.has(operation)) continue;
      if (!keys.some((key) => key.startsWith(fault.keyPrefix))) continue;
      fault.left -= 1;
      fault.failed += 1;
      throw new KvsFailure(fault.status, fault.code, `Injected storage failure (${fault.status}) for ${path}`);
    }
  }

  /**
   * Counts a request against the quotas (refused before anything changes when it would go
   * over one). Reads count the values they return, so they are counted from what is stored.
   */
  #meter(path, body) {
    const now = this.now();
    const trim = (window, span) => {
      let drop = 0;
      while (drop < window.list.length && window.list[drop][0] <= now - span) window.sum -= window.list[drop++][1];
      if (drop) window.list.splice(0, drop);
      return window.sum;
    };
    const add = (window, units) => {
      window.list.push([now, units]);
      window.sum += units;
    };
    const { kind, units, family } = this.#unitsOf(path, body);
    const requests = trim(this.window.requests, 1000) + 1;
    const used = kind ? trim(this.window[kind], 60_000) + units : 0;
    const limit = kind === 'read' ? KVS_QUOTAS.readUnitsPerMinute : KVS_QUOTAS.writeUnitsPerMinute;
    if (this.quotas && (requests > KVS_QUOTAS.requestsPerSecond || (kind && used > limit))) {
      this.usage.throttled += 1;
      throw new KvsFailure(429, 'RATE_LIMIT_EXCEEDED', `Rate limit exceeded: ${kind && used > limit ? `${limit} ${kind} units a minute` : `${KVS_QUOTAS.requestsPerSecond} requests a second`}`);
    }
    add(this.window.requests, 1);
    this.usage.peakRequestsPerSecond = Math.max(this.usage.peakRequestsPerSecond, requests);
    if (!kind) return;
    add(this.window[kind], units);
    this.usage[`${kind}Units`] += units;
    if (kind === 'write') this.usage.writeUnitsByFamily[family] = (this.usage.writeUnitsByFamily[family] ?? 0) + units;
    const peak = kind === 'read' ? 'peakReadUnitsPerMinute' : 'peakWriteUnitsPerMinute';
    this.usage[peak] = Math.max(this.usage[peak], used);
  }

  /** Whether a request reads or writes, how many units it counts for, and its keys' family. */
  #unitsOf(path, body) {
    return { ...this.#unitsOfRequest(path, body), family: keyFamily(path, body) };
  }

  #unitsOfRequest(path, body) {
    const bytesOf = (value) => (value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value)));
    const stored = (key) => bytesOf(this.values.get(key)?.value);
    const items = Array.isArray(body) ? body : [];
    switch (path) {
      case '/api/v1/get': return { kind: 'read', units: kvsUnits(stored(body?.key)) };
      case '/api/v1/batch/get': return { kind: 'read', units: items.reduce((n, i) => n + kvsUnits(stored(i?.key)), 0) };
      case '/api/v1/query': return { kind: 'read', units: kvsUnits(0) };
      case '/api/v1/set': return { kind: 'write', units: kvsUnits(bytesOf(body?.value)) };
      case '/api/v1/delete': return { kind: 'write', units: 1 };
      case '/api/v1/batch/set': return { kind: 'write', units: items.reduce((n, i) => n + kvsUnits(bytesOf(i?.value)), 0) };
      case '/api/v1/batch/delete': return { kind: 'write', units: Math.max(1, items.length) };
      case '/api/v1/transaction': {
        const ops = [...(body?.set ?? []), ...(body?.delete ?? [])];
        return { kind: 'write', units: ops.reduce((n, op) => n + kvsUnits(bytesOf(op?.value)), 0) || 1 };
      }
      default: return { kind: null, units: 0 };
    }
  }

  // ---- persistence -------------------------------------------------------------------------

  #secretKey() {
    const keyFile = `${this.file}.key`;
    if (existsSync(keyFile)) return Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64');
    const key = randomBytes(32);
    mkdirSync(dirname(keyFile), { recursive: true });
    writeFileSync(keyFile, key.toString('base64'), { mode: 0o600 });
    return key;
  }

  #load() {
    if (!existsSync(this.file)) return;
    let data;
    try {
      data = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch (err) {
      throw new Error(`KVS file ${this.file} is not valid JSON (${err.message}); move it aside to start empty`);
    }
    for (const [k, e] of Object.entries(data.values ?? {})) this.values.set(k, e);
    if (data.secrets) {
      const key = this.#secretKey();
      const { iv, tag, data: sealed } = data.secrets;
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      let plain;
      try {
        plain = Buffer.concat([decipher.update(Buffer.from(sealed, 'base64')), decipher.final()]).toString('utf8');
      } catch {
        throw new Error(`KVS file ${this.file}: secrets cannot be decrypted with ${this.file}.key`);
      }
      for (const [k, e] of Object.entries(JSON.parse(plain))) this.secrets.set(k, e);
    }
  }

  #save() {
    if (!this.file) return;
    const out = { values: Object.fromEntries(this.values) };
    if (this.secrets.size) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', this.#secretKey(), iv);
      const sealed = Buffer.concat([cipher.update(JSON.stringify(Object.fromEntries(this.secrets)), 'utf8'), cipher.final()]);
      out.secrets = { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: sealed.toString('base64') };
    }
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(out), { mode: 0o600 });
    renameSync(tmp, this.file);
  }

  // ---- entries -----------------------------------------------------------------------------

  #live(map, key) {
    const e = map.get(key);
    if (e?.expireTime && Date.parse(e.expireTime) <= this.now()) {
      map.delete(key);
      return undefined;
    }
    return e;
  }

  #get(map, { key }) {
    validateKey(key);
    const e = this.#live(map, key);
    if (!e) throw new KvsFailure(404, 'KEY_NOT_FOUND', 'The specified key does not exist.');
    return { key, ...e };
  }

  /** Validates and computes a set without applying it, so a transaction can be all-or-nothing. */
  #prepareSet(map, { key, value, options }) {
    validateKey(key);
    validateValue(value);
    const ttl = ttlSeconds(options);
    const previous = this.#live(map, key);
    if (options?.keyPolicy === 'FAIL_IF_EXISTS' && previous) {
      throw new KvsFailure(409, 'KEY_ALREADY_EXISTS', `The key "${key}" already exists and keyPolicy is FAIL_IF_EXISTS.`);
    }
    return { key, previous, next: entry(structuredClone(value), this.now(), ttl, previous) };
  }

  #set(map, body) {
    const { key, previous, next } = this.#prepareSet(map, body);
    map.set(key, next);
    this.#save();
    if (body.options?.returnValue === 'PREVIOUS') return previous ? { key, ...previous } : '';
    if (body.options?.returnValue === 'LATEST') return { key, ...next };
    return '';
  }

  #delete(map, { key }) {
    validateKey(key);
    if (!this.#live(map, key)) throw new KvsFailure(404, 'KEY_NOT_FOUND', 'The specified key does not exist.');
    map.delete(key);
    this.#save();
    return '';
  }

  #query({ limit, after, where }) {
    const size = limit ?? KVS_LIMITS.queryDefaultLimit;
    if (!Number.isInteger(size) || size < 1 || size > KVS_LIMITS.queryMaxLimit) {
      throw badRequest('INVALID_LIMIT', `Query limit must be an integer from 1 to ${KVS_LIMITS.queryMaxLimit}; got ${JSON.stringify(limit)}.`);
    }
    const start = after === undefined ? undefined : decodeCursor(after);
    const keys = [...this.values.keys()]
      .filter((k) => (start === undefined || k > start) && matchesWhere(k, where) && this.#live(this.values, k))
      .sort();
    const page = keys.slice(0, size);
    const data = page.map((k) => {
      const e = this.values.get(k);
      return { key: k, value: e.value, ...(e.expireTime ? { expireTime: e.expireTime } : {}) };
    });
    return { data, ...(keys.length > size ? { cursor: encodeCursor(page[page.length - 1]) } : {}) };
  }

  #batch(items, apply) {
    if (!Array.isArray(items)) throw badRequest('BAD_REQUEST', 'Provided request body is invalid: expected an array of items');
    const successfulKeys = [];
    const failedKeys = [];
    for (const item of items) {
      try {
        if (item?.entityName) throw badRequest('NOT_SUPPORTED', 'Custom entities are not emulated by the local Forge runtime.');
        const extra = apply(item);
        successfulKeys.push({ key: item.key, ...extra });
      } catch (err) {
        if (!(err instanceof KvsFailure)) throw err;
        failedKeys.push({ key: item?.key, error: { code: err.code, message: err.message } });
      }
    }
    return { successfulKeys, failedKeys };
  }

  #transact({ set = [], delete: deletes = [], check = [] }) {
    if (check.length) throw badRequest('NOT_SUPPORTED', 'Transaction checks need custom entities, which the local Forge runtime does not emulate.');
    const operations = set.length + deletes.length;
    if (operations === 0) throw badRequest('BAD_REQUEST', 'A transaction needs at least one operation.');
    if (operations > KVS_LIMITS.transactionMaxOperations) {
      throw badRequest('TOO_MANY_OPERATIONS', `A transaction can hold at most ${KVS_LIMITS.transactionMaxOperations} operations; got ${operations}.`);
    }
    const keys = [...set, ...deletes].map((op) => op.key);
    const duplicate = keys.find((k, i) => keys.indexOf(k) !== i);
    if (duplicate !== undefined) throw badRequest('DUPLICATE_KEYS', `A transaction cannot touch a key twice; "${duplicate}" appears more than once.`);
    const bytes = Buffer.byteLength(JSON.stringify({ set, delete: deletes }));
    if (bytes > KVS_LIMITS.transactionMaxBytes) throw badRequest('MAX_SIZE', `The transaction payload (${bytes} bytes) exceeds 4 MB.`);
    if ([...set, ...deletes].some((op) => op.entityName)) {
      throw badRequest('NOT_SUPPORTED', 'Custom entities are not emulated by the local Forge runtime.');
    }
    // Validate everything first: all or nothing.
    const prepared = set.map((op) => this.#prepareSet(this.values, op));
    for (const op of deletes) validateKey(op.key);
    for (const p of prepared) this.values.set(p.key, p.next);
    for (const op of deletes) this.values.delete(op.key);
    this.#save();
    return '';
  }

  /**
   * Serves one @forge/kvs request.
   * @param {string} path e.g. /api/v1/get
   * @param {unknown} body the parsed JSON body
   * @returns {{status: number, body: object|string}}
   */
  handle(path, body) {
    try {
      this.#checkFaults(path, body);
      this.#meter(path, body);
      const result = this.#route(path, body);
      return { status: result === '' ? 204 : 200, body: result };
    } catch (err) {
      if (err instanceof KvsFailure) return { status: err.status, body: { code: err.code, message: err.message } };
      throw err;
    }
  }

  #route(path, body) {
    if (body === undefined || body === null || typeof body !== 'object') {
      throw badRequest('BAD_REQUEST', 'Provided request body is invalid');
    }
    switch (path) {
      case '/api/v1/get': return this.#get(this.values, body);
      case '/api/v1/set': return this.#set(this.values, body);
      case '/api/v1/delete': return this.#delete(this.values, body);
      case '/api/v1/query': return this.#query(body);
      case '/api/v1/secret/get': return this.#get(this.secrets, body);
      case '/api/v1/secret/set': return this.#set(this.secrets, body);
      case '/api/v1/secret/delete': return this.#delete(this.secrets, body);
      case '/api/v1/batch/set': {
        const prepared = this.#batch(body, (item) => {
          this.values.set(item.key, this.#prepareSet(this.values, item).next);
        });
        this.#save();
        return prepared;
      }
      case '/api/v1/batch/get': return this.#batch(body, (item) => {
        const { key, ...e } = this.#get(this.values, item);
        return { value: e.value, createdAt: e.createdAt, updatedAt: e.updatedAt, expireTime: e.expireTime };
      });
      case '/api/v1/batch/delete': {
        const result = this.#batch(body, (item) => {
          validateKey(item.key);
          this.values.delete(item.key);
        });
        this.#save();
        return result;
      }
      case '/api/v1/transaction': return this.#transact(body);
      default:
        if (path.startsWith('/api/v1/entity/')) {
          throw new KvsFailure(501, 'NOT_SUPPORTED', 'Custom entities are not emulated by the local Forge runtime.');
        }
        throw new KvsFailure(404, 'NOT_FOUND', `Unknown KVS endpoint ${path}`);
    }
  }

  /** Keys currently stored (not secrets), for tests and the sandbox's diagnostics. */
  keys() {
    return [...this.values.keys()].filter((k) => this.#live(this.values, k)).sort();
  }
}
