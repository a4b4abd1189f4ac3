import type { Clock } from '../clock.js';
import { isLoopback } from '../registry/registry.js';
import type { Store } from '../store/types.js';
import type { WebhookDelivery, WebhookDialect, WebhookSubscription } from '../store/webhook-types.js';
import { DIALECT_EVENT_TYPES, isEventType, renderBody, testEventData, type EventType } from './events.js';
import { newDelivery, webhookId } from './outbox.js';

/** Bad input to a webhook operation; the API answers it 422 (invalid_parameter), the CLI prints it. */
export class WebhookInputError extends Error {
  override readonly name = 'WebhookInputError';
}

/** Something named does not exist (or is not the caller's); the API answers it 404. */
export class WebhookNotFound extends Error {
  override readonly name = 'WebhookNotFound';
}

/** An endpoint: https, or http on loopback (development), no credentials or fragment in it. */
export function checkEndpoint(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookInputError(`endpoint_url is not an absolute URL: ${raw.slice(0, 200)}`);
  }
  if (!(url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url)))) {
    throw new WebhookInputError('endpoint_url must be https (or http on loopback: 127.0.0.1, [::1] or localhost)');
  }
  if (url.username || url.password) throw new WebhookInputError('endpoint_url must not carry credentials');
  if (url.hash || raw.includes('#')) throw new WebhookInputError('endpoint_url must not have a fragment');
  if (raw.length > 2048) throw new WebhookInputError('endpoint_url is longer than 2048 characters');
  return raw;
}

/**
 * Subscribes a live app to event types at an endpoint (developer center, Admin API, CLI). The app
 * must have a kept client secret: every delivery is signed with it. The event types must be ones
 * the dialect delivers (POD Shop: order.status_changed only).
 */
export async function addSubscription(
  deps: { store: Store; clock: Clock },
  input: { clientId: string; endpointUrl: string; eventTypes: string[]; dialect?: WebhookDialect },
): Promise<WebhookSubscription> {
  const app = await deps.store.apps.get(input.clientId);
  if (!app || app.revokedAt !== null) throw new WebhookNotFound(`no live app ${input.clientId}`);
  const dialect = input.dialect ?? 'cafe24';
  if (dialect !== 'cafe24' && dialect !== 'pod') throw new WebhookInputError('dialect must be cafe24 or pod');
  const types = [...new Set(input.eventTypes)];
  if (types.length === 0) throw new WebhookInputError('event_types: at least one event type is required');
  const allowed = DIALECT_EVENT_TYPES[dialect];
  for (const t of types) {
    if (!isEventType(t) || !allowed.includes(t)) throw new WebhookInputError(`event_types: ${t.slice(0, 64)} is not an event type of the ${dialect} dialect (${allowed.join(', ')})`);
  }
  if (!(await deps.store.appSecrets.get(app.clientId))) {
    throw new WebhookInputError('the app has no kept client secret to sign deliveries with: rotate its secret in the developer center first');
  }
  const sub: WebhookSubscription = {
    subscriptionId: webhookId(), clientId: app.clientId, dialect, endpointUrl: checkEndpoint(input.endpointUrl), eventTypes: types,
    status: 'enabled', failureStreak: 0, disabledAt: null, createdAt: deps.clock.now(),
  };
  await deps.store.webhooks.addSubscription(sub);
  return sub;
}

/** A subscription of the app (`clientId`), or WebhookNotFound. */
export async function subscriptionOf(store: Store, subscriptionId: string, clientId?: string): Promise<WebhookSubscription> {
  const sub = await store.webhooks.getSubscription(subscriptionId);
  if (!sub || (clientId !== undefined && sub.clientId !== clientId)) throw new WebhookNotFound(`no webhook subscription ${subscriptionId.slice(0, 64)}`);
  return sub;
}

/**
 * Sends a delivery again (log_type R): the same body (same event id, hookId) to the same
 * subscription, as a new delivery due now with a fresh schedule. Any delivery may be replayed,
 * dead-lettered ones first of all; the subscription must be enabled.
 */
export async function replayDelivery(deps: { store: Store; clock: Clock }, deliveryId: string, clientId?: string): Promise<WebhookDelivery> {
  const d = await deps.store.webhooks.getDelivery(deliveryId);
  if (!d || (clientId !== undefined && d.clientId !== clientId)) throw new WebhookNotFound(`no webhook delivery ${deliveryId.slice(0, 64)}`);
  const sub = await subscriptionOf(deps.store, d.subscriptionId);
  if (sub.status !== 'enabled') throw new WebhookInputError('the subscription is disabled: enable it before sending again');
  const again = newDelivery(sub, { eventId: d.eventId, mallId: d.mallId, type: d.eventType }, d.body, 'R', deps.clock.now());
  await deps.store.webhooks.addDelivery(again);
  return again;
}

/**
 * A test event (log_type T) to a subscription: its first event type, resource marked `test: "T"`,
 * for the mall `mallId` (one the app is installed in, or the developer's sandbox).
 */
export async function sendTestEvent(deps: { store: Store; clock: Clock }, sub: WebhookSubscription, mallId: string): Promise<WebhookDelivery> {
  const mall = await deps.store.malls.get(mallId);
  if (!mall) throw new WebhookNotFound(`no mall ${mallId.slice(0, 64)}`);
  if (sub.status !== 'enabled') throw new WebhookInputError('the subscription is disabled: enable it before sending a test event');
  const type = (sub.eventTypes.find(isEventType) ?? 'order.status_changed') as EventType;
  const now = deps.clock.now();
  const event = { eventId: webhookId(), mallId, type, data: testEventData(sub.dialect), occurredAt: now };
  const body = renderBody(sub.dialect, event, mall);
  if (body === undefined) throw new WebhookInputError('no test body for this subscription');
  const d = newDelivery(sub, event, body, 'T', now);
  await deps.store.webhooks.enqueue(event, [d]);
  return d;
}
