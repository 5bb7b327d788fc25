// Live progress of a run on a terminal. The core sends its own requests (the global `fetch`)
// and stores its run record through the host's storage, so the CLI sees a run move from the
// outside, with no change to the core: each request says which phase the run is in and how far
// it got (JumpCloud pages and their records, Assets pages, writes), and each run record the
// engine stores gives the counts and the planned writes.

import { vocabulary } from '../core/index.js';

const PHASES = vocabulary().runPhases;

const PHASE_WORDS = {
  config: 'reading the mapping',
  target: 'finding the object type',
  readSource: 'reading JumpCloud',
  readAssets: 'reading Assets',
  write: 'writing to Assets',
  done: 'finishing',
};

/** What one request of the core is, from its method and URL; null for requests we do not count. */
export function classifyRequest(method, url, { jumpcloudBaseUrl, assetsBaseUrl }) {
  const upper = (method ?? 'GET').toUpperCase();
  if (jumpcloudBaseUrl && url.startsWith(jumpcloudBaseUrl)) return { kind: 'sourcePage' };
  if (/\/rest\/api\/3\/user\/search/.test(url)) return { kind: 'userSearch' };
  const assets = (assetsBaseUrl && url.startsWith(assetsBaseUrl)) || /\/jsm\/assets\/workspace\//.test(url);
  if (assets) {
    if (/\/object\/aql\b/.test(url)) return { kind: 'assetsPage' };
    if (upper === 'POST' && /\/object\/create\b/.test(url)) return { kind: 'write' };
    if ((upper === 'PUT' || upper === 'DELETE') && /\/object\/[^/?]+/.test(url)) return { kind: 'write' };
    return { kind: 'target' };
  }
  return null;
}

/** The count of records in a JumpCloud list body: v1 `{results}` or a v2 bare array. */
function recordsIn(body) {
  if (Array.isArray(body)) return { records: body.length };
  if (body && Array.isArray(body.results)) return { records: body.results.length, total: body.totalCount };
  return { records: 0 };
}

/**
 * Follows a run: `request(method, url)` and `response(kind, Response)` from the fetch
 * observer, `record(report)` from the store; `line()` is the progress line now.
 */
export class RunProgress {
  constructor() {
    this.phase = 'config';
    this.sourceRecords = 0;
    this.sourceTotal = 0;
    this.sourcePages = 0;
    this.assetsPages = 0;
    this.userSearches = 0;
    this.writes = 0;
    this.writesPlanned = 0;
    this.counts = {};
    this.writesBefore = 0;
  }

  /** A request the core is sending. */
  request(kind) {
    if (kind === 'sourcePage') {
      this.phase = 'readSource';
      this.sourcePages += 1;
    } else if (kind === 'assetsPage') {
      if (this.phase !== 'write') this.phase = 'readAssets';
      this.assetsPages += 1;
    } else if (kind === 'userSearch') {
      this.phase = 'readAssets';
      this.userSearches += 1;
    } else if (kind === 'write') {
      this.phase = 'write';
      this.writes += 1;
    } else if (kind === 'target' && this.phase === 'config') {
      this.phase = 'target';
    }
  }

  /** The body of a JumpCloud page, once read. */
  sourceBody(body) {
    const { records, total } = recordsIn(body);
    this.sourceRecords += records;
    if (Number.isFinite(total)) this.sourceTotal = Math.max(this.sourceTotal, total);
  }

  /** A run record the engine stored (at its start, between slices, at its end). */
  record(report) {
    if (!report || typeof report !== 'object') return;
    // A record stored at the start says less than the requests seen since.
    if (PHASES.indexOf(report.phase) > PHASES.indexOf(this.phase)) this.phase = report.phase;
    this.counts = report.counts ?? this.counts;
    if (report.phase === 'write' && report.progress) {
      this.writesPlanned = report.progress.total ?? this.writesPlanned;
      // Writes before this process's requests (a resumed run) count towards done.
      this.writesBefore = Math.max(0, (report.progress.done ?? 0) - this.writes);
    }
    if (report.phase === 'readSource' && report.progress?.total) this.sourceTotal = report.progress.total;
  }

  line() {
    const parts = [PHASE_WORDS[this.phase] ?? this.phase];
    if (this.sourcePages) {
      // Consecutive pages may overlap by a record (the engine checks the source did not shift).
      const read = this.sourceTotal ? Math.min(this.sourceRecords, this.sourceTotal) : this.sourceRecords;
      const total = this.sourceTotal ? `/${this.sourceTotal}` : '';
      const records = read || total ? ` (${read}${total} records)` : '';
      parts.push(`${this.sourcePages} page${this.sourcePages === 1 ? '' : 's'} read${records}`);
    }
    if (this.assetsPages) parts.push(`${this.assetsPages} Assets page${this.assetsPages === 1 ? '' : 's'} read`);
    if (this.userSearches) parts.push(`${this.userSearches} Jira user lookup${this.userSearches === 1 ? '' : 's'}`);
    if (this.writesPlanned) parts.push(`${this.writesPlanned} objects planned`);
    if (this.writes || this.writesPlanned) {
      const done = this.writes + this.writesBefore;
      parts.push(`writes ${this.writesPlanned ? `${Math.min(done, this.writesPlanned)}/${this.writesPlanned}` : done}`);
    }
    const bar = this.#bar();
    return `${bar}${parts.join(' · ')}`;
  }

  /** A bar for the phase with a known end: records read, then writes done. */
  #bar() {
    const width = 20;
    let fraction = null;
    if (this.phase === 'readSource' && this.sourceTotal) fraction = Math.min(1, this.sourceRecords / this.sourceTotal);
    if (this.phase === 'write' && this.writesPlanned) fraction = (this.writes + this.writesBefore) / this.writesPlanned;
    if (fraction === null) return '';
    const filled = Math.max(0, Math.min(width, Math.round(fraction * width)));
    return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] `;
  }
}

/**
 * Calls `onRequest(kind)` for each request the core sends through the global `fetch`, and
 * `onSourceBody(json)` with each JumpCloud page; returns a function that puts `fetch` back.
 * Only observes: the core's request and response pass through untouched.
 */
export function observeFetch(bases, { onRequest, onSourceBody }) {
  const original = globalThis.fetch;
  globalThis.fetch = async function observedFetch(input, init) {
    const url = typeof input === 'string' ? input : input?.url ?? String(input);
    const method = init?.method ?? (typeof input === 'object' ? input?.method : undefined);
    const seen = classifyRequest(method, url, bases);
    if (seen) onRequest(seen.kind);
    const response = await original.call(this, input, init);
    if (seen?.kind === 'sourcePage' && response.ok) {
      response.clone().json().then(onSourceBody, () => {});
    }
    return response;
  };
  return () => {
    globalThis.fetch = original;
  };
}

/** Wraps a storage so that each run record it stores under `runPrefix` reaches `onRecord`. */
export function watchRunRecords(storage, runPrefix, onRecord) {
  const seen = (key, json) => {
    if (!key.startsWith(runPrefix)) return;
    try {
      onRecord(JSON.parse(json));
    } catch {
      // A record the display cannot read changes nothing about the run.
    }
  };
  return {
    get: (key) => storage.get(key),
    delete: (key) => storage.delete(key),
    async set(key, json, ttlMs) {
      await storage.set(key, json, ttlMs);
      seen(key, json);
    },
    create: (key, json, ttlMs) => storage.create(key, json, ttlMs),
    async swap(key, json, ttlMs) {
      const previous = await storage.swap(key, json, ttlMs);
      seen(key, json);
      return previous;
    },
  };
}

/**
 * One line of a terminal redrawn in place: `draw(text)` replaces it (cut to the terminal's
 * width), `end()` moves on so that what follows starts on its own line; `shown` is what it holds.
 */
export function redrawnLine(stream) {
  let shown = '';
  return {
    get shown() {
      return shown;
    },
    draw(text) {
      const width = Math.max(20, (stream.columns || 80) - 1);
      const cut = text.length > width ? `${text.slice(0, width - 1)}…` : text;
      stream.write(`\r${cut.padEnd(Math.min(width, shown.length))}`);
      shown = cut;
    },
    end() {
      if (shown) stream.write('\n');
      shown = '';
    },
  };
}

/**
 * The progress line on a terminal: redrawn in place as the run moves (at most every
 * `intervalMs`, and at once when the phase changes), warnings and errors on their own lines.
 * Draws nothing when `stream` is not a terminal.
 */
export function progressLine(stream, { intervalMs = 100, now = () => Date.now() } = {}) {
  const tty = Boolean(stream.isTTY);
  const line = redrawnLine(stream);
  let shownPhase = '';
  let drawnAt = 0;
  const progress = new RunProgress();
  const draw = (force = false) => {
    if (!tty) return;
    const text = progress.line();
    if (text === line.shown) return;
    if (!force && progress.phase === shownPhase && now() - drawnAt < intervalMs) return;
    line.draw(text);
    shownPhase = progress.phase;
    drawnAt = now();
  };
  return {
    progress,
    request(kind) {
      progress.request(kind);
      draw();
    },
    sourceBody(body) {
      progress.sourceBody(body);
      draw();
    },
    record(report) {
      progress.record(report);
      draw(true);
    },
    log(level, message) {
      if (level !== 'warn' && level !== 'error') return;
      line.end();
      stream.write(`${level}: ${message}\n`);
      draw(true);
    },
    /** Ends the line, so what follows starts on its own. */
    done() {
      line.end();
    },
  };
}
