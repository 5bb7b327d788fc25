// Shared HTTP plumbing for the emulators: routing on path templates, bounded JSON bodies,
// request recording, spec validation and fault injection. Each emulator only supplies its
// route table, its error-body shape and its auth check.
import http from 'node:http';
import { applyFault, FaultPlan } from './faults.js';

/** Largest request body the emulators read; real services refuse far smaller bodies anyway. */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;
/** How many request records are kept (oldest dropped first) so long benchmarks stay bounded. */
export const MAX_RECORDED_REQUESTS = 10_000;

/** An error a handler throws to answer with a given status and body. */
export class HttpError extends Error {
  constructor(status, message, { body, headers } = {}) {
    super(message);
    this.status = status;
    this.body = body;
    this.headers = headers ?? {};
  }
}

/** Compiles `/a/{id}/b` into a matcher returning `{id}` or null. */
export function compileTemplate(template) {
  const names = [];
  const source = template
    .split('/')
    .map((segment) => {
      const match = /^\{(\w+)\}$/.exec(segment);
      if (!match) return segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
      names.push(match[1]);
      return '([^/]+)';
    })
    .join('/');
  const regex = new RegExp(`^${source}/?$`);
  return (path) => {
    const match = regex.exec(path);
    if (!match) return null;
    const params = {};
    names.forEach((name, i) => {
      params[name] = decodeURIComponent(match[i + 1]);
    });
    return params;
  };
}

/** Header names whose values never reach request records. */
const SECRET_HEADERS = new Set(['authorization', 'x-api-key', 'cookie', 'proxy-authorization']);

function redactHeaders(headers) {
  const out = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name] = SECRET_HEADERS.has(name) ? '<redacted>' : value;
  }
  return out;
}

/** Reads a request body as UTF-8 text, refusing (413) more than `maxBytes`. */
export function readBody(req, maxBytes = MAX_BODY_BYTES) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(new HttpError(413, `request body exceeds ${maxBytes} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Starts an emulator server.
 *
 * @param {object} options
 * @param {Array<{method, template, name, handler, spec?, control?}>} options.routes
 *   `handler(ctx)` returns `{status?, body?, headers?}`; `control` routes skip auth, faults,
 *   validation and recording.
 * @param {(status, message, extra?) => object} options.errorBody vendor error shape.
 * @param {(ctx) => void} [options.authenticate] throws HttpError when the caller is refused.
 * @param {(route, ctx) => void} [options.beforeHandle] e.g. quota checks; may throw HttpError.
 * @param {object} [options.validator] from spec.js (`validate(ctx)` -> problems[]).
 * @param {boolean|'strict'} [options.validate]
 * @param {object} [options.faults] fault plan options or a FaultPlan.
 * @param {number} [options.latencyMs=0] network latency: every request (control routes aside)
 *   waits this long before it reaches the service, so quotas count it when it arrives.
 */
export async function startServer({
  port = 0,
  host = '127.0.0.1',
  routes,
  errorBody,
  authenticate,
  beforeHandle,
  validator,
  validate = true,
  faults,
  latencyMs = 0,
}) {
  if (host !== '127.0.0.1' && host !== 'localhost') {
    throw new Error(`emulators bind to 127.0.0.1 only, not ${host}`);
  }
  if (!(Number.isFinite(latencyMs) && latencyMs >= 0)) {
    throw new Error(`latencyMs must be a non-negative number of milliseconds, got ${JSON.stringify(latencyMs)}`);
  }
  const arrive = () => (latencyMs > 0 ? new Promise((resolve) => setTimeout(resolve, latencyMs)) : null);
  const compiled = routes.map((route) => ({ ...route, match: compileTemplate(route.template) }));
  const faultPlan = faults instanceof FaultPlan ? faults : new FaultPlan(faults);
  const requests = [];
  const violations = [];

  const record = (entry) => {
    requests.push(entry);
    if (requests.length > MAX_RECORDED_REQUESTS) requests.shift();
  };

  const send = (res, { status = 200, body, headers = {} }) => {
    const payload = body === undefined ? '' : JSON.stringify(body);
    const finalHeaders = { ...headers };
    if (payload) {
      finalHeaders['content-type'] ??= 'application/json;charset=UTF-8';
      finalHeaders['content-length'] = Buffer.byteLength(payload);
    }
    return { status, headers: finalHeaders, payload };
  };

  /** The route serving `method path`, its parameters, and the methods other routes there take. */
  const findRoute = (method, path) => {
    const methodMismatch = [];
    for (const candidate of compiled) {
      const found = candidate.match(path);
      if (!found) continue;
      if (candidate.method !== method) {
        methodMismatch.push(candidate.method);
        continue;
      }
      return { route: candidate, params: found, methodMismatch };
    }
    return { route: null, params: null, methodMismatch };
  };

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://emulator.invalid');
    const path = url.pathname;
    const { route, params, methodMismatch } = findRoute(req.method, path);

    const entry = {
      method: req.method,
      path,
      query: url.search,
      route: route ? `${route.method} ${route.template}` : null,
      headers: redactHeaders(req.headers),
      status: 0,
      at: Date.now(),
    };
    let answer;
    try {
      const rawBody = await readBody(req);
      if (!route) {
        // An app calling a path the emulator does not serve is as suspect as an invalid request.
        record(entry);
        violations.push({ method: req.method, path, query: url.search, route: null, problems: [`${req.method} ${path} is not served by the emulator`] });
        if (methodMismatch.length) throw new HttpError(405, `method ${req.method} not allowed on ${path}`);
        throw new HttpError(404, `no such resource: ${req.method} ${path}`);
      }
      if (!route.control) record(entry);
      let body;
      if (rawBody.length) {
        try {
          body = JSON.parse(rawBody);
        } catch (error) {
          const problem = `request body is not valid JSON: ${error.message}`;
          if (!route.control) violations.push({ method: req.method, path, query: url.search, route: entry.route, problems: [problem] });
          throw new HttpError(400, problem);
        }
      }
      // Small bodies are kept with the request record so tests can assert what the app sent.
      if (body !== undefined && rawBody.length <= 64 * 1024) entry.body = body;
      const ctx = { req, url, path, params, query: url.searchParams, body, rawBody, headers: req.headers, route };
      if (route.control) {
        answer = send(res, await route.handler(ctx));
        res.writeHead(answer.status, answer.headers).end(answer.payload);
        return;
      }
      if (validate && validator && route.spec) {
        const problems = validator.validate({ ...ctx, spec: route.spec });
        if (problems.length) {
          violations.push({ method: req.method, path, query: url.search, route: entry.route, problems });
          if (validate === 'strict') {
            throw new HttpError(400, `request does not match the vendor spec: ${problems.join('; ')}`);
          }
        }
      }
      await arrive();
      const fault = faultPlan.decide(req.method, route.template);
      if (fault && (await applyFault(fault, { req, res, entry, errorBody, send }))) return;
      authenticate?.(ctx);
      beforeHandle?.(route, ctx);
      answer = send(res, await route.handler(ctx));
      if (fault?.kind === 'slow' || fault?.kind === 'truncate') {
        await applyFault(fault, { req, res, entry, answer });
        return;
      }
    } catch (error) {
      if (!(error instanceof HttpError)) {
        // An emulator bug must show up as a 500 with its message, never as a hung request.
        error = new HttpError(500, `emulator error: ${error.message}`);
      }
      answer = send(res, {
        status: error.status,
        body: error.body ?? errorBody(error.status, error.message),
        headers: error.headers,
      });
    }
    entry.status = answer.status;
    if (!res.headersSent && !res.destroyed) res.writeHead(answer.status, answer.headers).end(answer.payload);
  });
  server.keepAliveTimeout = 1000;
  server.requestTimeout = 30_000;
  server.maxConnections = 256;

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const actualPort = server.address().port;

  /**
   * Answers one request in memory, without a socket (benchmarks): routing, latency, auth and
   * `beforeHandle` as over HTTP; no spec validation, faults or request records.
   * Returns `{status, headers, payload}` (payload: the JSON text, '' when there is no body).
   */
  const dispatch = async ({ method, path: pathAndQuery, headers = {}, body: rawBody = '' }) => {
    const url = new URL(pathAndQuery, 'http://emulator.invalid');
    const { route, params } = findRoute(method, url.pathname);
    try {
      if (!route || route.control) throw new HttpError(404, `no such resource: ${method} ${url.pathname}`);
      const body = rawBody ? JSON.parse(rawBody) : undefined;
      const ctx = { url, path: url.pathname, params, query: url.searchParams, body, rawBody, headers, route };
      await arrive();
      authenticate?.(ctx);
      beforeHandle?.(route, ctx);
      return send(null, await route.handler(ctx));
    } catch (error) {
      const known = error instanceof HttpError ? error : new HttpError(500, `emulator error: ${error.message}`);
      return send(null, { status: known.status, body: known.body ?? errorBody(known.status, known.message), headers: known.headers });
    }
  };
  return {
    dispatch,
    server,
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    routes: compiled.map(({ method, template, spec, control }) => ({ method, template, spec, control: !!control })),
    requests,
    violations,
    faults: faultPlan,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Parses an integer given as text (query) or a JSON number (body), refusing anything that is
 * not a plain base-10 integer in range; `raw` null / undefined / '' gives the fallback.
 */
export function parseInteger(raw, name, fallback, { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = {}) {
  if (raw === null || raw === undefined || raw === '') return fallback;
  const text = String(raw);
  if (!/^-?\d+$/.test(text)) throw new HttpError(400, `${name} must be an integer, got ${JSON.stringify(raw)}`);
  const value = Number(text);
  if (value < min) throw new HttpError(400, `${name} must be >= ${min}, got ${value}`);
  if (value > max) throw new HttpError(400, `${name} must be <= ${max}, got ${value}`);
  return value;
}

/** An integer query parameter (see parseInteger). */
export function intParam(query, name, fallback, range) {
  return parseInteger(query.get(name), `query parameter ${name}`, fallback, range);
}

/** Parses a boolean query parameter (`true` / `false`). */
export function boolParam(query, name, fallback) {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  if (raw !== 'true' && raw !== 'false') {
    throw new HttpError(400, `query parameter ${name} must be true or false, got "${raw}"`);
  }
  return raw === 'true';
}

/**
 * The control route both emulators serve to replace their fault plan at run time:
 * `POST /__control/faults` with a FaultPlan body. `getEmulator()` returns the started emulator.
 */
export function faultControlRoute(getEmulator) {
  return {
    method: 'POST', template: '/__control/faults', control: true,
    handler: ({ body }) => {
      try {
        getEmulator().faults.reset(body);
      } catch (error) {
        throw new HttpError(400, error.message);
      }
      return { status: 204 };
    },
  };
}
