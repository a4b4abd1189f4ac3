import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { AuditEvent, Store } from '../store/types.js';

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
  | 'refresh.reuse_detected'
  | 'refresh.grace_retry'
  | 'code.replay_detected'
  | 'key.rotated';

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
let counter = 0;

/** Time-ordered ids: `at` (15 digits), a per-process counter, then randomness for uniqueness. */
function eventId(at: number): string {
  counter = (counter + 1) % 36 ** 6;
  return `${String(at).padStart(15, '0')}-${counter.toString(36).padStart(6, '0')}-${randomBytes(5).toString('hex')}`;
}

/**
 * The audit log: fire-and-forget with batching. `record` never throws and never waits: it queues
 * the event, and the queue is written in one INSERT on the next turn of the event loop, off the
 * request's path (the token endpoint pays one array push). A failed write is reported to the
 * error sink (the server log) and dropped, so a broken audit table never breaks a request.
 * Events still queued when the process dies are lost; `flush()` runs at server close.
 */
export class AuditLog {
  private queue: AuditEvent[] = [];
  private scheduled = false;
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

  record(input: AuditInput): void {
    try {
      if (this.queue.length >= MAX_QUEUE) {
        this.dropped++;
        return;
      }
      const at = this.clock.now();
      this.queue.push({
        id: eventId(at),
        at,
        type: input.type,
        mallId: input.mallId ?? null,
        clientId: input.clientId ?? null,
        userId: input.userId ?? null,
        ip: input.ip ?? null,
        traceId: input.traceId ?? null,
        detail: input.detail ?? null,
      });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
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
    this.scheduled = false;
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

/** For one-shot processes (the CLI): records the events and waits until they are stored. */
export async function recordEvents(store: Store, clock: Clock, events: AuditInput[]): Promise<void> {
  const log = new AuditLog(store, clock);
  for (const e of events) log.record(e);
  await log.flush();
}
