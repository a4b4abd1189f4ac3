import type { Clock } from '../clock.js';
import type { PurgeCounts, Store } from '../store/types.js';

/**
 * Expired codes, tokens and sessions are deleted on a schedule inside `serve` (issue 15, item 8),
 * in batches (store/kysely/purge.ts). A row is kept for `retainMs` past its expiry, so a replayed
 * code or a rotated refresh token presented just after expiry is still recognised as such
 * (replay detection revokes the family; RFC 6749 §4.1.2, RFC 9700 §4.14.2). Audit events are kept
 * `auditRetainMs` (`--audit-retention-days`, default 365; null: forever), so the file stays bounded.
 */
export interface PurgeSettings {
  everyMs: number;
  retainMs: number;
  batch: number;
  auditRetainMs: number | null;
}

export const PURGE: PurgeSettings = { everyMs: 10 * 60_000, retainMs: 3600_000, batch: 1000, auditRetainMs: 365 * 86_400_000 };

/** The schedule for an audit retention in days (0: keep audit events forever). */
export function purgeSettings(auditRetentionDays: number): PurgeSettings {
  return { ...PURGE, auditRetainMs: auditRetentionDays === 0 ? null : auditRetentionDays * 86_400_000 };
}

export class Purger {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<PurgeCounts> | undefined;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly onError: (error: unknown) => void,
    private readonly settings: PurgeSettings = PURGE,
  ) {}

  /** One pass now (also what the schedule runs); concurrent calls share the pass. */
  runOnce(): Promise<PurgeCounts> {
    const { retainMs, batch, auditRetainMs } = this.settings;
    const now = this.clock.now();
    this.running ??= this.store.purge.expired(now - retainMs, batch, auditRetainMs === null ? null : now - auditRetainMs).finally(() => (this.running = undefined));
    return this.running;
  }

  /** Runs every `everyMs` until stop(); the timer does not keep the process alive. */
  start(): void {
    this.timer ??= setInterval(() => void this.runOnce().catch(this.onError), this.settings.everyMs).unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => {});
  }
}
