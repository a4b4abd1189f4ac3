import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Sealer } from '../keys/sealing.js';
import type { Store } from '../store/types.js';
import type { AttemptOutcome, DeliveryCounts, WebhookDelivery } from '../store/webhook-types.js';
import { isEventType, scopeCovers } from './events.js';
import { retryAt } from './schedule.js';
import { postWebhook } from './post.js';
import { signedHeaders } from './signature.js';

/** How the worker runs (docs/webhooks.md); `shopauth serve` reads them from the environment. */
export interface WebhookWorkerOptions {
  /** Names this process's claims; default host-pid-random. */
  workerId: string;
  /** Each attempt's timeout (default 10 s): no answer by then is a failed attempt. */
  timeoutMs: number;
  /** How long a claim holds (default timeout + 30 s): a process that dies mid-attempt frees its deliveries then. */
  leaseMs: number;
  /** Deliveries claimed per round (default 20), sent concurrently. */
  batch: number;
  /** Rounds on a timer this often (default 1 s) once started. */
  pollMs: number;
  /** A subscription is disabled after this many dead deliveries in a row (default 20). */
  disableAfter: number;
  /**
   * Deliver to loopback, private and link-local addresses (default false: refused when the
   * socket is made, post.ts). `serve` allows them when it listens on loopback (a sandbox on one
   * machine), or as SHOPAUTH_WEBHOOK_PRIVATE_NETWORKS=allow|deny says.
   */
  allowInternalNetworks: boolean;
}

export const DEFAULT_WEBHOOK_OPTIONS: Omit<WebhookWorkerOptions, 'workerId' | 'leaseMs'> = { timeoutMs: 10_000, batch: 20, pollMs: 1000, disableAfter: 20, allowInternalNetworks: false };

/** SHOPAUTH_WEBHOOK_TIMEOUT_MS, _LEASE_MS, _BATCH, _POLL_MS, _DISABLE_AFTER (positive integers); unset: the defaults. */
export function webhookOptionsFromEnv(env: NodeJS.ProcessEnv): Partial<WebhookWorkerOptions> {
  const out: Partial<WebhookWorkerOptions> = {};
  const take = (name: string, key: Exclude<keyof WebhookWorkerOptions, 'workerId' | 'allowInternalNetworks'>) => {
    const raw = env[`SHOPAUTH_WEBHOOK_${name}`];
    if (raw === undefined || raw === '') return;
    const n = Number(raw);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`SHOPAUTH_WEBHOOK_${name} must be a positive integer`);
    out[key] = n;
  };
  take('TIMEOUT_MS', 'timeoutMs');
  take('LEASE_MS', 'leaseMs');
  take('BATCH', 'batch');
  take('POLL_MS', 'pollMs');
  take('DISABLE_AFTER', 'disableAfter');
  const internal = env.SHOPAUTH_WEBHOOK_PRIVATE_NETWORKS;
  if (internal !== undefined && internal !== '') {
    if (internal !== 'allow' && internal !== 'deny') throw new Error('SHOPAUTH_WEBHOOK_PRIVATE_NETWORKS must be allow or deny');
    out.allowInternalNetworks = internal === 'allow';
  }
  return out;
}

/** `serve`'s setting: SHOPAUTH_WEBHOOKS=off runs no worker (another instance delivers); else the options above. */
export const webhookSettingFromEnv = (env: NodeJS.ProcessEnv): false | Partial<WebhookWorkerOptions> =>
  env.SHOPAUTH_WEBHOOKS === 'off' ? false : webhookOptionsFromEnv(env);

/** What /metrics can show (docs/webhooks.md, Metrics): this process's attempts, and the queue in the database. */
export interface WebhookMetrics {
  /** Attempts of this process by outcome, and deliveries it finished by final status. */
  attempts: Record<AttemptOutcome, number>;
  finished: { delivered: number; dead: number; cancelled: number };
  /** Latency of this process's attempts (ms): count, sum, and counts at or below each bound. */
  latency: { count: number; sumMs: number; buckets: { le: number; count: number }[] };
  /** From the database, every instance's: deliveries by status, and pending ones already due (queue depth). */
  queue: DeliveryCounts;
}

const LATENCY_BOUNDS = [50, 100, 250, 500, 1000, 2500, 5000, 10_000];
const RESPONSE_KEPT = 1000;

/**
 * The delivery worker (issue 12): claims due deliveries (store.webhooks.claim, atomic across
 * instances), posts each signed (signature.ts) with a timeout, records the attempt, and
 * schedules the next try (schedule.ts) or dead-letters it. All state is in the database, so a
 * restart picks up where the last process stopped; a delivery held by a process that died is
 * claimable once its lease ends. Time is the injected clock (ManualClock in tests, which drive
 * `tick()` directly); the timer only says when to look.
 */
export class WebhookWorker {
  readonly options: WebhookWorkerOptions;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<number> | undefined;
  private readonly counters = {
    attempts: { ok: 0, http_error: 0, timeout: 0, network_error: 0 } as Record<AttemptOutcome, number>,
    finished: { delivered: 0, dead: 0, cancelled: 0 },
    latency: { count: 0, sumMs: 0, buckets: LATENCY_BOUNDS.map((le) => ({ le, count: 0 })) },
  };

  constructor(
    private readonly deps: { store: Store; clock: Clock; secretSealer: Sealer },
    options: Partial<WebhookWorkerOptions> = {},
    private readonly onError: (error: unknown) => void = () => {},
  ) {
    const timeoutMs = options.timeoutMs ?? DEFAULT_WEBHOOK_OPTIONS.timeoutMs;
    this.options = {
      ...DEFAULT_WEBHOOK_OPTIONS,
      workerId: `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`,
      leaseMs: timeoutMs + 30_000,
      ...options,
      timeoutMs,
    };
  }

  /** Rounds on a timer (unref'd: it keeps no process alive). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (!this.round) void this.tick().catch(this.onError);
    }, this.options.pollMs);
    this.timer.unref();
  }

  /** No more rounds; waits for the one in progress (each attempt ends by its timeout). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.round?.catch(() => {});
  }

  /** One round: claims what is due now and delivers it; resolves with how many attempts were made once all are recorded. */
  tick(): Promise<number> {
    if (this.round) return this.round.then(() => this.tick());
    const round = this.runRound().finally(() => {
      if (this.round === round) this.round = undefined;
    });
    this.round = round;
    return round;
  }

  /** Counts for /metrics (docs/webhooks.md): this process's attempts and latency, and the queue. */
  async metrics(): Promise<WebhookMetrics> {
    const c = this.counters;
    return {
      attempts: { ...c.attempts },
      finished: { ...c.finished },
      latency: { count: c.latency.count, sumMs: c.latency.sumMs, buckets: c.latency.buckets.map((b) => ({ ...b })) },
      queue: await this.deps.store.webhooks.counts(this.deps.clock.now()),
    };
  }

  private async runRound(): Promise<number> {
    const { store, clock } = this.deps;
    const o = this.options;
    const claimed = await store.webhooks.claim(o.workerId, clock.now(), o.batch, o.leaseMs);
    const made = await Promise.all(claimed.map((d) => this.deliver(d).catch((error: unknown) => (this.onError(error), 0))));
    return made.reduce((a, b) => a + b, 0);
  }

  /** One attempt of a claimed delivery; 1 if it was made, 0 if the delivery was cancelled instead. */
  private async deliver(d: WebhookDelivery): Promise<number> {
    const { store, clock } = this.deps;
    const sub = await store.webhooks.getSubscription(d.subscriptionId);
    if (!sub || sub.status !== 'enabled' || !(await this.stillWanted(d))) {
      await store.webhooks.cancel(d.deliveryId, clock.now());
      this.counters.finished.cancelled++;
      return 0;
    }
    const startedAt = clock.now();
    const began = performance.now();
    let outcome: AttemptOutcome;
    let statusCode: number | null = null;
    let responseBody: string | null = null;
    let error: string | null = null;
    const secret = await this.secretOf(d.clientId);
    if (secret === undefined) {
      outcome = 'network_error';
      error = 'no kept client secret to sign with (re-register the app or rotate its secret)';
    } else {
      try {
        const res = await postWebhook(sub.endpointUrl, {
          headers: signedHeaders(sub.dialect, d, secret, startedAt),
          body: d.body,
          timeoutMs: this.options.timeoutMs,
          allowInternal: this.options.allowInternalNetworks,
          maxAnswerBytes: RESPONSE_KEPT * 4,
        });
        statusCode = res.status;
        responseBody = res.body.slice(0, RESPONSE_KEPT);
        outcome = res.status >= 200 && res.status < 300 ? 'ok' : 'http_error';
      } catch (e) {
        const name = (e as { name?: string }).name;
        outcome = name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network_error';
        error = outcome === 'timeout' ? `no answer within ${this.options.timeoutMs} ms` : describeNetworkError(e);
      }
    }
    const latencyMs = Math.round(performance.now() - began);
    const attemptNo = d.attempts + 1;
    const result = await store.webhooks.finish(d.deliveryId, this.options.workerId, {
      attempt: { startedAt, outcome, statusCode, latencyMs, responseBody, error },
      retryAt: attemptNo >= d.maxAttempts ? null : retryAt(sub.dialect, attemptNo, startedAt),
      disableAfter: this.options.disableAfter,
    });
    this.count(outcome, latencyMs);
    if (result && result.status !== 'pending') this.counters.finished[result.status === 'delivered' ? 'delivered' : 'dead']++;
    return 1;
  }

  /**
   * Is the app still to be told? Installed in the mall (a live grant of a live app) with a scope
   * covering the type: uninstalling stops deliveries at once, even ones already queued. Its own
   * app.uninstalled and test events (log_type T, or sent again) go regardless.
   */
  private async stillWanted(d: WebhookDelivery): Promise<boolean> {
    if (d.logType === 'T' || d.eventType === 'app.uninstalled') return true;
    // A test event sent again is still a test.
    if (d.logType === 'R' && (await this.deps.store.webhooks.getEvent(d.eventId))?.data.test === 'T') return true;
    if (!isEventType(d.eventType)) return false;
    const type = d.eventType;
    const target = (await this.deps.store.webhooks.targets(d.mallId)).find((t) => t.subscription.subscriptionId === d.subscriptionId);
    return target !== undefined && scopeCovers(target.scopes, type);
  }

  private async secretOf(clientId: string): Promise<string | undefined> {
    const kept = await this.deps.store.appSecrets.get(clientId);
    if (!kept) return undefined;
    try {
      return this.deps.secretSealer.open(clientId, kept.sealedSecret);
    } catch {
      return undefined;
    }
  }

  private count(outcome: AttemptOutcome, latencyMs: number): void {
    const c = this.counters;
    c.attempts[outcome]++;
    c.latency.count++;
    c.latency.sumMs += latencyMs;
    for (const b of c.latency.buckets) if (latencyMs <= b.le) b.count++;
  }
}

/** The first characters of the receiver's answer; the rest is not read (a large answer costs nothing). */
/** A network failure in words, without anything of the request (no secrets are in it anyway). */
function describeNetworkError(e: unknown): string {
  const cause = (e as { cause?: { code?: unknown; message?: unknown } }).cause;
  const text = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : e instanceof Error ? e.message : 'request failed';
  return text.slice(0, 200);
}
