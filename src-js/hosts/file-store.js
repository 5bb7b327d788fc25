// The CLI's storage: one file per key in a directory, safe across processes. Every read goes to
// the file (no cache, so a second `tributary` process is always seen); a write is a whole-file
// rename; `create` is an exclusive link (two racing processes: exactly one wins); taking over a
// stale entry and `swap` happen under a per-key lock directory. An entry with a time to live
// (the run lease) is stale once expired, or at once when the process that wrote it on this
// machine no longer runs (a killed run does not keep its import busy).
import { createHash, randomUUID } from 'node:crypto';
import { link, mkdir, readFile, rename, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

const LOCK_WAIT_MS = 10;
const LOCK_TRIES = 1_000;
// A lock directory older than this was left by a process killed while holding it.
const STALE_LOCK_MS = 10_000;

function fileName(key) {
  const encoded = encodeURIComponent(key);
  // File names are limited to 255 bytes; long keys get a stable digest instead.
  return encoded.length <= 200 ? encoded : `h-${createHash('sha256').update(key).digest('hex')}`;
}

function processRuns(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

export class DirectoryStorage {
  /** `dir` holds the entries; `log(level, message)` hears about take-overs. */
  constructor(dir, { log = () => {}, now = () => Date.now() } = {}) {
    this.dir = dir;
    this.log = log;
    this.now = now;
  }

  path(key) {
    return join(this.dir, fileName(key));
  }

  async #read(key) {
    try {
      return JSON.parse(await readFile(this.path(key), 'utf8'));
    } catch (error) {
      if (error.code === 'ENOENT') return null;
      throw new Error(`cannot read the stored value of '${key}' in ${this.dir}: ${error.message}`);
    }
  }

  /** Why a stored entry no longer counts ('expired', 'dead'), or null while it does. */
  #staleness(entry) {
    if (!entry || entry.expiresAt === undefined) return null;
    if (entry.expiresAt <= this.now()) return 'expired';
    if (entry.host === hostname() && Number.isInteger(entry.pid) && !processRuns(entry.pid)) return 'dead';
    return null;
  }

  async #live(key) {
    const entry = await this.#read(key);
    return entry && !this.#staleness(entry) ? entry : null;
  }

  /** A temporary file holding the entry; `owned` entries (leases) name the writing process. */
  async #temp(value, ttlMs, { owned = true } = {}) {
    await mkdir(this.dir, { recursive: true });
    const tmp = join(this.dir, `.tmp-${process.pid}-${randomUUID()}`);
    const expiry = ttlMs !== undefined ? { expiresAt: this.now() + ttlMs } : {};
    const owner = ttlMs !== undefined && owned ? { pid: process.pid, host: hostname() } : {};
    const entry = { value, ...expiry, ...owner };
    await writeFile(tmp, JSON.stringify(entry));
    return tmp;
  }

  async #locked(key, work) {
    const lock = `${this.path(key)}.lock`;
    for (let attempt = 0; ; attempt += 1) {
      try {
        await mkdir(lock);
        break;
      } catch (error) {
        if (error.code !== 'EEXIST') throw error;
        const age = await stat(lock).then((s) => this.now() - s.mtimeMs, () => 0);
        if (age > STALE_LOCK_MS) await rmdir(lock).catch(() => {});
        if (attempt >= LOCK_TRIES) throw new Error(`the state entry '${key}' stays locked (${lock})`);
        await new Promise((resolve) => setTimeout(resolve, LOCK_WAIT_MS));
      }
    }
    try {
      return await work();
    } finally {
      await rmdir(lock).catch(() => {});
    }
  }

  async get(key) {
    return (await this.#live(key))?.value ?? null;
  }

  /** Stores `value`; with `ttlMs` it expires (run records). */
  async set(key, value, ttlMs) {
    await rename(await this.#temp(value, ttlMs, { owned: false }), this.path(key));
  }

  async delete(key) {
    await unlink(this.path(key)).catch((error) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }

  /** Stores `value` only if no live entry exists; true when stored. */
  async create(key, value, ttlMs) {
    const tmp = await this.#temp(value, ttlMs);
    try {
      await link(tmp, this.path(key));
      return true;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      // Awaited here, so the temporary file is removed only after the lock's work is done.
      return await this.#locked(key, async () => {
        const existing = await this.#read(key);
        const stale = existing ? this.#staleness(existing) : 'gone';
        if (!stale) return false;
        if (stale === 'dead') this.#tookOver(key, existing);
        await rename(tmp, this.path(key));
        return true;
      });
    } finally {
      await unlink(tmp).catch(() => {});
    }
  }

  /** Stores `value` and returns the live value it replaced (or null), atomically. */
  async swap(key, value, ttlMs) {
    const tmp = await this.#temp(value, ttlMs);
    return this.#locked(key, async () => {
      const existing = await this.#read(key);
      const stale = existing ? this.#staleness(existing) : null;
      if (stale === 'dead') this.#tookOver(key, existing);
      await rename(tmp, this.path(key));
      return existing && !stale ? existing.value : null;
    });
  }

  #tookOver(key, entry) {
    this.log('warn', `${key} was held by process ${entry.pid}, which no longer runs; taking it over`);
  }
}
