// Per-endpoint, per-credential request quotas over a sliding window, answering 429 with
// Retry-After like the Assets API documents ("Every API key is allowed to perform N requests
// per minute to this endpoint").
import { HttpError } from './http.js';

export class QuotaBook {
  /**
   * @param {Record<string, number>|false} limits e.g. {createObject: 2000}; false disables all.
   * @param {{windowMs?: number, now?: () => number}} [options]
   */
  constructor(limits, { windowMs = 60_000, now = () => Date.now() } = {}) {
    this.limits = limits === false ? {} : { ...limits };
    this.windowMs = windowMs;
    this.now = now;
    this.windows = new Map();
  }

  /** Counts one request; throws a 429 HttpError (with Retry-After seconds) when over quota. */
  take(bucket, caller, errorBody) {
    const limit = this.limits[bucket];
    if (!limit) return;
    const key = `${bucket} ${caller}`;
    const now = this.now();
    const stamps = (this.windows.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (stamps.length >= limit) {
      this.windows.set(key, stamps);
      const retryAfter = Math.max(1, Math.ceil((stamps[0] + this.windowMs - now) / 1000));
      throw new HttpError(429, `rate limit exceeded: ${limit} requests per ${this.windowMs / 1000}s to this endpoint`, {
        headers: { 'retry-after': String(retryAfter) },
        body: errorBody(429, `The request has been rate limited by the system. Every API key is allowed to perform ${limit} requests per minute to this endpoint.`),
      });
    }
    stamps.push(now);
    this.windows.set(key, stamps);
  }
}
