import type { WebhookDialect } from '../store/webhook-types.js';

const MINUTE = 60_000;

/**
 * The waits before each retry (docs/webhooks.md): Cafe24 dialect 1 min, 5 min, 30 min, 2 h, 6 h
 * (Cafe24 publishes none: shopauth's choice, about 8.5 hours in all); POD Shop: 5 retries 10
 * minutes apart (wire.md). The first attempt is immediate; after the last retry, dead.
 */
export const RETRY_SCHEDULES: Record<WebhookDialect, readonly number[]> = {
  cafe24: [1 * MINUTE, 5 * MINUTE, 30 * MINUTE, 120 * MINUTE, 360 * MINUTE],
  pod: [10 * MINUTE, 10 * MINUTE, 10 * MINUTE, 10 * MINUTE, 10 * MINUTE],
};

export const scheduleOf = (dialect: WebhookDialect): readonly number[] => RETRY_SCHEDULES[dialect];

/** When to try again after failed attempt number `attemptNo` (1-based) at `at`; null after the last. */
export function retryAt(dialect: WebhookDialect, attemptNo: number, at: number): number | null {
  const wait = scheduleOf(dialect)[attemptNo - 1];
  return wait === undefined ? null : at + wait;
}
