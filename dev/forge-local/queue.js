// Async events (@forge/events): the push / stats / cancel endpoints the client calls, a local
// queue per installation, and at-least-once delivery to the manifest's consumer functions with
// Forge's documented limits (limits-async-events) and retry behaviour (async-events-api).
import { randomUUID } from 'node:crypto';

export const QUEUE_LIMITS = Object.freeze({
  eventsPerPush: 50,
  bytesPerPush: 200 * 1024,
  bytesPerEventLongRunning: 100 * 1024,
  retryDataBytes: 4 * 1024,
  eventsPerMinute: 500,
  pushesPerChain: 1000,
  maxDelaySeconds: 900,
  maxRetryAfterSeconds: 900,
  retentionMs: 24 * 3600 * 1000,
});

/** Small seeded PRNG (mulberry32): duplicate deliveries are reproducible from a seed. */
function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const json = (status, body) => ({ status, body });

export class QueueService {
  /**
   * @param {{manifest: import('./manifest.js').ForgeManifest, now: () => number,
   *   duplicateRate?: number, seed?: number, maxAttempts?: number, eventsPerMinute?: number}} options
   *   duplicateRate: share (0..1) of successful deliveries that are delivered once more, as
   *   Forge may do; maxAttempts: deliveries before an event is dropped (stands in for the
   *   24 h retention window).
   */
  constructor({ manifest, now, duplicateRate = 0, seed = 1, maxAttempts = 6, eventsPerMinute = QUEUE_LIMITS.eventsPerMinute }) {
    this.manifest = manifest;
    this.now = now;
    this.duplicateRate = duplicateRate;
    this.random = seededRandom(seed);
    this.maxAttempts = maxAttempts;
    this.eventsPerMinute = eventsPerMinute;
    /** Pending deliveries in FIFO order. */
    this.pending = [];
    /** jobId -> {queueName, success, inProgress, failed, cancelled} */
    this.jobs = new Map();
    this.pushWindow = { start: 0, count: 0 };
  }

  /** Serves POST /webhook/queue/{publish|stats|cancel}/... from inside an invocation. */
  handle(path, body, invocation) {
    if (path.startsWith('/webhook/queue/publish/')) return this.#push(body, invocation);
    if (path.startsWith('/webhook/queue/stats/')) return this.#stats(body);
    if (path.startsWith('/webhook/queue/cancel/')) return this.#cancel(body);
    return json(404, { message: `Unknown async events endpoint ${path}` });
  }

  #push(body, invocation) {
    const { queueName, jobId, payload } = body ?? {};
    if (!queueName || !jobId || !Array.isArray(payload)) {
      return json(400, { message: 'Invalid push request: queueName, jobId and payload are required' });
    }
    const found = this.manifest.consumerFor(queueName);
    if (!found) {
      return json(400, { message: `No consumer module in manifest.yml listens to queue "${queueName}"` });
    }
    if (payload.length === 0 || payload.length > QUEUE_LIMITS.eventsPerPush) {
      return json(400, { message: `A push must contain 1 to ${QUEUE_LIMITS.eventsPerPush} events; got ${payload.length}` });
    }
    const bytes = Buffer.byteLength(JSON.stringify(payload));
    if (bytes > QUEUE_LIMITS.bytesPerPush) {
      return json(413, { errorMessage: `The maximum payload size is ${QUEUE_LIMITS.bytesPerPush / 1024}KB; this push is ${bytes} bytes.` });
    }
    // Chain: every push request made by handlers that descend from one initial invocation counts.
    const chain = invocation.chain;
    if (chain.pushes + 1 > QUEUE_LIMITS.pushesPerChain) return json(405, { message: 'Cyclic invocation limit reached' });
    const now = this.now();
    if (now - this.pushWindow.start >= 60_000) this.pushWindow = { start: now, count: 0 };
    if (this.pushWindow.count + payload.length > this.eventsPerMinute) return json(429, { message: 'Too many requests' });

    const longRunning = this.manifest.asyncTimeoutSeconds(found.fn) > 55;
    const failedEvents = [];
    const accepted = [];
    payload.forEach((event, index) => {
      const size = Buffer.byteLength(JSON.stringify(event));
      if (longRunning && size > QUEUE_LIMITS.bytesPerEventLongRunning) {
        failedEvents.push({
          index: String(index),
          errorMessage: `Event ${index} is ${size} bytes; consumers with timeoutSeconds above 55 accept at most ${QUEUE_LIMITS.bytesPerEventLongRunning / 1024}KB per event.`,
        });
        return;
      }
      const delay = Math.min(Math.max(Number(event.delayInSeconds) || 0, 0), QUEUE_LIMITS.maxDelaySeconds);
      accepted.push({
        eventId: randomUUID(),
        jobId,
        queueName,
        body: event.body,
        delayInSeconds: event.delayInSeconds,
        concurrency: event.concurrency,
        enqueuedAt: now,
        dueAt: now + delay * 1000,
        attempts: 0,
        retryContext: undefined,
        chain,
      });
    });
    chain.pushes += 1;
    this.pushWindow.count += accepted.length;
    this.pending.push(...accepted);
    const job = this.jobs.get(jobId) ?? { queueName, success: 0, inProgress: 0, failed: 0, cancelled: false };
    job.inProgress += accepted.length;
    job.failed += failedEvents.length;
    this.jobs.set(jobId, job);
    if (failedEvents.length) return json(202, { failedEvents });
    return json(201, {});
  }

  #stats({ jobId, queueName } = {}) {
    const job = this.jobs.get(jobId);
    if (!job || job.queueName !== queueName) return json(404, { message: 'Job not found' });
    return json(200, { success: job.success, inProgress: job.inProgress, failed: job.failed });
  }

  #cancel({ jobId, queueName } = {}) {
    const job = this.jobs.get(jobId);
    if (!job || job.queueName !== queueName) return json(404, { message: 'Job not found' });
    job.cancelled = true;
    const before = this.pending.length;
    this.pending = this.pending.filter((e) => e.jobId !== jobId);
    job.inProgress -= before - this.pending.length;
    return json(204, '');
  }

  /** Takes the next due event (or, with includeDelayed, the next event at all). */
  take({ includeDelayed = false, queueName } = {}) {
    const now = this.now();
    let best = -1;
    for (let i = 0; i < this.pending.length; i++) {
      const e = this.pending[i];
      if (queueName && e.queueName !== queueName) continue;
      if (!includeDelayed && e.dueAt > now) continue;
      if (best === -1 || e.dueAt < this.pending[best].dueAt) best = i;
    }
    if (best === -1) return undefined;
    return this.pending.splice(best, 1)[0];
  }

  /** The AsyncEvent a consumer receives (async-events-api "AsyncEvent properties"). */
  asyncEvent(e) {
    return {
      body: structuredClone(e.body),
      jobId: e.jobId,
      eventId: e.eventId,
      queueName: e.queueName,
      ...(e.delayInSeconds !== undefined ? { delayInSeconds: e.delayInSeconds } : {}),
      ...(e.concurrency !== undefined ? { concurrency: e.concurrency } : {}),
      ...(e.retryContext ? { retryContext: structuredClone(e.retryContext) } : {}),
    };
  }

  /**
   * Records what a delivery did: success (maybe with a duplicate), or a retry / drop.
   * @param {object} e the pending event
   * @param {{ok: true} | {ok: false, reason: string, retryAfterSeconds?: number, retryData?: unknown}} outcome
   * @returns {'succeeded'|'duplicated'|'retrying'|'dropped'}
   */
  settle(e, outcome) {
    const job = this.jobs.get(e.jobId);
    e.attempts += 1;
    if (outcome.ok) {
      if (job && !e.duplicate) {
        job.inProgress -= 1;
        job.success += 1;
      }
      if (!e.duplicate && this.duplicateRate > 0 && this.random() < this.duplicateRate) {
        // At-least-once: the same event (same eventId) comes again, as Forge may do.
        this.pending.push({ ...e, duplicate: true, dueAt: this.now() });
        return 'duplicated';
      }
      return 'succeeded';
    }
    const retryDataTooBig =
      outcome.retryData !== undefined && Buffer.byteLength(JSON.stringify(outcome.retryData)) > QUEUE_LIMITS.retryDataBytes;
    if (e.attempts >= this.maxAttempts || retryDataTooBig || job?.cancelled) {
      if (job && !e.duplicate) {
        job.inProgress -= 1;
        job.failed += 1;
      }
      return 'dropped';
    }
    const backoffSeconds = Math.min(outcome.retryAfterSeconds ?? 2 ** e.attempts, QUEUE_LIMITS.maxRetryAfterSeconds);
    e.retryContext = {
      retryCount: (e.retryContext?.retryCount ?? 0) + 1,
      retryReason: outcome.reason,
      retryData: outcome.retryData,
      retentionWindow: {
        startTime: new Date(e.enqueuedAt).toISOString(),
        remainingTimeMs: Math.max(0, e.enqueuedAt + QUEUE_LIMITS.retentionMs - this.now()),
      },
    };
    e.dueAt = this.now() + backoffSeconds * 1000;
    this.pending.push(e);
    return 'retrying';
  }
}
