import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Mall, Store } from '../store/types.js';
import type { LogType, WebhookDelivery, WebhookSubscription } from '../store/webhook-types.js';
import { DIALECT_EVENT_TYPES, renderBody, scopeCovers, type EventType } from './events.js';
import { scheduleOf } from './schedule.js';

/** Event and delivery ids: 12 random bytes in hex, the form of trace ids (the Cafe24 log's trace_id is the delivery's id). */
export const webhookId = (): string => randomBytes(12).toString('hex');

/** One delivery of an event to a subscription, due now. */
export function newDelivery(
  sub: WebhookSubscription,
  event: { eventId: string; mallId: string; type: string },
  body: string,
  logType: LogType,
  now: number,
): WebhookDelivery {
  return {
    deliveryId: webhookId(), eventId: event.eventId, subscriptionId: sub.subscriptionId, clientId: sub.clientId, mallId: event.mallId,
    eventType: event.type, logType, body, status: 'pending', attempts: 0, maxAttempts: scheduleOf(sub.dialect).length + 1,
    nextAttemptAt: now, claimedBy: null, claimExpiresAt: null, lastStatusCode: null, lastLatencyMs: null, lastError: null,
    createdAt: now, finishedAt: null,
  };
}

/**
 * Writes an event to the outbox with its deliveries (issue 12). Call it with the store of the
 * transaction that makes the change, so both land or neither does. The event goes to the
 * enabled subscriptions for its type of apps installed in the mall whose granted scopes cover it
 * (events.ts), in each subscription's dialect, while the mall's reception is on (Cafe24
 * reception_status T). One event per item of `items` (its data). `only`: to this app alone
 * (app.uninstalled, computed before the grants go). Nobody to tell: nothing is written.
 */
export async function emit(
  store: Store,
  clock: Clock,
  mall: Mall,
  type: EventType,
  items: Record<string, unknown>[],
  options: { only?: string } = {},
): Promise<WebhookDelivery[]> {
  const targets = (await store.webhooks.targets(mall.mallId)).filter(
    (t) => t.subscription.eventTypes.includes(type) && DIALECT_EVENT_TYPES[t.subscription.dialect].includes(type) && scopeCovers(t.scopes, type) &&
      (options.only === undefined || t.subscription.clientId === options.only),
  );
  if (items.length === 0 || targets.length === 0 || (await store.webhooks.reception(mall.mallId)) === 'F') return [];
  const now = clock.now();
  const all: WebhookDelivery[] = [];
  for (const data of items) {
    const event = { eventId: webhookId(), mallId: mall.mallId, type, data, occurredAt: now };
    const deliveries: WebhookDelivery[] = [];
    for (const { subscription } of targets) {
      const body = renderBody(subscription.dialect, event, mall);
      if (body !== undefined) deliveries.push(newDelivery(subscription, event, body, 'G', now));
    }
    if (deliveries.length > 0) await store.webhooks.enqueue(event, deliveries);
    all.push(...deliveries);
  }
  return all;
}
