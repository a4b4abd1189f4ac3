import type { Clock } from '../clock.js';
import type { AuditEvent, Store } from '../store/types.js';
import { randomText } from '../oauth/secrets.js';

/** The security events shopauth records (issue 5). */
export type AuditType =
  | 'login.ok'
  | 'login.failed'
  | 'login.throttled'
  | 'consent.given'
  | 'consent.denied'
  | 'token.issued'
  | 'token.revoked'
  | 'grant.revoked'
  | 'credentials.revoked'
  | 'app.launched'
  | 'refresh.reuse_detected'
  | 'refresh.grace_retry'
  | 'code.replay_detected'
  | 'key.rotated'
  | 'server_key.rotated'

  | 'app.registered'
  | 'app.updated'
  | 'app.secret_rotated'
  | 'app.deleted'
  | 'operator.added'
  | 'operator.removed'
  | 'credentials.created'
  | 'developer.signed_up';

/** What a caller says about an event; id and time are added here. Never put a secret in it. */
export interface AuditInput {
  type: AuditType;
  mallId?: string | null;
  clientId?: string | null;
  userId?: string | null;
  ip?: string | null;
  traceId?: string | null;
  detail?: Record<string, string | number | boolean | null>;
}

const MAX_QUEUE = 10_000;
/** Written together after this long, or as soon as this many are queued (docs/performance.md). */
const FLUSH_MS = 20;
const FLUSH_EVENTS = 256;
let counter = 0;

/** Time-ordered ids: `at` (15 digits), a per-process counter, then randomness for uniqueness. */
function eventId(at: number): string {
  counter = (counter + 1) % 36 ** 6;
  return `${String(at).padStart(15, '0')}-${counter.toString(36).padStart(6, '0')}-${randomText(5, 'hex')}`;
}

/**
 * The audit log. Security events that record a change are written with it (`write`). The rest
 * (token.issued, logins) is fire-and-forget with batching: `record` never throws and never waits: it queues
 * the event, and the queue is written off the request's path (the token endpoint pays one array
 * push) every 20 ms, or on the next turn once 256 are queued: a few multi-row INSERTs under load
 * rather than one per turn, each joining the store's group commit (store/dialects/sqlite.ts). A
 * failed write is reported to the error sink (the server log) and dropped, so a broken audit
 * table never breaks a request. Events still queued when the process dies (at most those 20 ms)
 * are lost; `flush()` runs at server close, and one-shot processes call it before they exit.
 */
export class AuditLog {
  private queue: AuditEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private soon = false;
  private inflight: Promise<void> = Promise.resolve();
  private sink: (error: unknown, dropped: number) => void = () => {};
  /** Events dropped because the queue was full or a write failed. */
  dropped = 0;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** Where write failures go (the server sets its logger). */
  onError(sink: (error: unknown, dropped: number) => void): void {
    this.sink = sink;
  }

  /**
   * Writes a security event in the caller's transaction (`store` is the transaction's): it lands
   * with the change it records, or neither does (issue 9, crash safety). Reuse detection,
   * revocations, consents, credential and key changes go this way; only high-volume events
   * (token.issued) are batched through `record`.
   */
  async write(store: Store, input: AuditInput): Promise<void> {
    await store.audit.append([this.event(input)]);
  }

  private event(input: AuditInput): AuditEvent {
    const at = this.clock.now();
    return {
      id: eventId(at),
      at,
      type: input.type,
      mallId: input.mallId ?? null,
      clientId: input.clientId ?? null,
      userId: input.userId ?? null,
      ip: input.ip ?? null,
      traceId: input.traceId ?? null,
      detail: input.detail ?? null,
    };
  }

  record(input: AuditInput): void {
    try {
      if (this.queue.length >= MAX_QUEUE) {
        this.dropped++;
        return;
      }
      this.queue.push(this.event(input));
      if (this.queue.length >= FLUSH_EVENTS) {
        if (!this.soon) {
          this.soon = true;
          setImmediate(() => void this.flush());
        }
      } else if (!this.timer) {
        // unref: a pending flush never keeps a process alive (close flushes).
        this.timer = setTimeout(() => void this.flush(), FLUSH_MS).unref();
      }
    } catch {
      this.dropped++;
    }
  }

  /** `token.issued` for a freshly minted pair (any grant, any dialect). */
  issued(
    t: { mallId: string; clientId: string; userId: string; familyId: string; scopes: string[] },
    grantType: string,
    meta: { ip?: string; traceId?: string } = {},
  ): void {
    this.record({
      type: 'token.issued',
      mallId: t.mallId,
      clientId: t.clientId,
      userId: t.userId,
      ...meta,
      detail: { grant_type: grantType, family_id: t.familyId, scope: t.scopes.join(' ') },
    });
  }

  /** Writes everything queued so far; resolves when it is stored (or dropped). Never rejects. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.soon = false;
    const batch = this.queue;
    this.queue = [];
    this.inflight = this.inflight.then(async () => {
      if (batch.length === 0) return;
      try {
        await this.store.audit.append(batch);
      } catch (error) {
        this.dropped += batch.length;
        try {
          this.sink(error, batch.length);
        } catch {
          // The sink itself failed: nothing more to do.
        }
      }
    });
    return this.inflight;
  }
}

/**
 * Writes the events into `store` now (the CLI): pass the transaction's store of the change they
 * record, so both land or neither does (issue 9, crash safety).
 */
export async function recordEvents(store: Store, clock: Clock, events: AuditInput[]): Promise<void> {
  const log = new AuditLog(store, clock);
  for (const e of events) await log.write(store, e);
}
