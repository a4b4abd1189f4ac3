import { ApiError } from '../errors.js';
import type { Clock } from '../clock.js';
import type { Caller } from './caller.js';
import type { Mall, Store } from '../store/types.js';
import type { LogType, WebhookAttempt, WebhookDelivery, WebhookSubscription } from '../store/webhook-types.js';
import { EVENT_TYPES, isEventType } from '../webhooks/events.js';
import {
  addSubscription, replayDelivery, sendTestEvent, subscriptionOf, WebhookInputError, WebhookNotFound,
} from '../webhooks/subscriptions.js';
import { checkShopNo, invalidParameter, notFound, pageOf, type Query } from './resources.js';
import { isCalendarDate, isoLocal, localToEpoch } from './shop-time.js';

/**
 * The webhook resources of the Admin API (docs/webhooks.md): Cafe24's `webhooks/setting` and
 * `webhooks/logs`, and shopauth's subscription management for the calling app
 * (`webhooks/subscriptions`). A log is one delivery (its last attempt); its trace_id is the
 * delivery id, the `X-Trace-Id` the receiver saw.
 */
type Deps = { store: Store; clock: Clock };

/** Webhook errors in the API's words: bad input 422, unknown 404. */
export async function webhookErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof WebhookInputError) throw invalidParameter(error.message);
    if (error instanceof WebhookNotFound) throw new ApiError('not_found', error.message);
    throw error;
  }
}

const eventScopes = [...new Set(Object.values(EVENT_TYPES).map((e) => e.scope))];

export async function getSetting(store: Store, mall: Mall, caller: Caller, q: Query) {
  checkShopNo(mall, q.shop_no);
  return { webhook: settingView(mall, caller, await store.webhooks.reception(mall.mallId)) };
}

export async function putSetting(deps: Deps, mall: Mall, caller: Caller, body: { shop_no?: number; request: { reception_status: 'T' | 'F' } }) {
  checkShopNo(mall, body.shop_no);
  await deps.store.webhooks.setReception(mall.mallId, body.request.reception_status, deps.clock.now());
  return { webhook: settingView(mall, caller, body.request.reception_status) };
}

const settingView = (mall: Mall, caller: Caller, reception: 'T' | 'F') => ({
  shop_no: mall.shopNo,
  scopes: eventScopes.filter((s) => caller.scopes.includes(s) || caller.scopes.includes(s.replace('.read_', '.write_'))),
  reception_status: reception,
});

/** One log: a delivery and its last attempt. */
export function logView(d: WebhookDelivery, last: WebhookAttempt | undefined, endpoint: string, mall: Mall | undefined) {
  const at = (ms: number | null) => (ms === null ? null : mall ? isoLocal(ms, mall.timezone) : new Date(ms).toISOString());
  return {
    log_id: d.deliveryId,
    log_type: d.logType,
    event_no: isEventType(d.eventType) ? EVENT_TYPES[d.eventType].eventNo : 0,
    event_type: d.eventType,
    mall_id: d.mallId,
    trace_id: d.deliveryId,
    requested_time: at(d.createdAt)!,
    request_endpoint: endpoint,
    request_body: d.body,
    success: d.status === 'delivered' ? 'T' : 'F',
    status: d.status,
    attempts: d.attempts,
    next_attempt_time: d.status === 'pending' ? at(d.nextAttemptAt) : null,
    response_time: last ? at(last.startedAt + last.latencyMs) : null,
    response_http_code: d.lastStatusCode,
    response_body: last?.responseBody ?? null,
    response_latency_ms: d.lastLatencyMs,
    error: d.lastError,
  };
}

async function logsOf(store: Store, deliveries: WebhookDelivery[], mall: Mall | undefined) {
  const endpoints = new Map<string, string>();
  const out = [];
  for (const d of deliveries) {
    let endpoint = endpoints.get(d.subscriptionId);
    if (endpoint === undefined) {
      endpoint = (await store.webhooks.getSubscription(d.subscriptionId))?.endpointUrl ?? '';
      endpoints.set(d.subscriptionId, endpoint);
    }
    out.push(logView(d, (await store.webhooks.attempts(d.deliveryId)).at(-1), endpoint, mall));
  }
  return out;
}

/** GET /webhooks/logs: the calling app's deliveries in the mall, newest first, filtered as Cafe24 filters them. */
export async function listLogs(store: Store, mall: Mall, caller: Caller, q: Query) {
  checkShopNo(mall, q.shop_no);
  const start = q.requested_start_date === undefined ? undefined : String(q.requested_start_date);
  const end = q.requested_end_date === undefined ? undefined : String(q.requested_end_date);
  for (const [name, v] of [['requested_start_date', start], ['requested_end_date', end]] as const) {
    if (v !== undefined && !isCalendarDate(v)) throw invalidParameter(`${name} ${v} is not a calendar date`);
  }
  if (start !== undefined && end !== undefined && start > end) throw invalidParameter('requested_end_date must not be before requested_start_date');
  const page = pageOf(q);
  const wanted = (d: WebhookDelivery) =>
    (q.success === undefined || (q.success === 'T') === (d.status === 'delivered')) &&
    (q.event_no === undefined || (isEventType(d.eventType) && EVENT_TYPES[d.eventType].eventNo === Number(q.event_no)));
  const filter = {
    mallId: mall.mallId,
    clientId: caller.clientId,
    ...(q.log_type !== undefined ? { logType: q.log_type as LogType } : {}),
    ...(start !== undefined ? { since: localToEpoch(`${start}T00:00:00`, mall.timezone) } : {}),
    ...(end !== undefined ? { until: localToEpoch(`${new Date(Date.parse(`${end}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)}T00:00:00`, mall.timezone) } : {}),
  };
  // success and event_no filter in memory over a bounded window (offset + limit matches at most 8100).
  const found: WebhookDelivery[] = [];
  for (let offset = 0; found.length < page.offset + page.limit; offset += 500) {
    const batch = await store.webhooks.listDeliveries({ ...filter, limit: 500, offset });
    found.push(...batch.filter(wanted));
    if (batch.length < 500) break;
  }
  return { logs: await logsOf(store, found.slice(page.offset, page.offset + page.limit), mall) };
}

/** POST /webhooks/logs/{log_id}/resend: the delivery again (log_type R), due now. */
export async function resendLog(deps: Deps, mall: Mall, caller: Caller, logId: string) {
  const d = await deps.store.webhooks.getDelivery(logId);
  if (!d || d.mallId !== mall.mallId || d.clientId !== caller.clientId) throw notFound(`log ${logId}`);
  const again = await webhookErrors(() => replayDelivery(deps, logId, caller.clientId));
  return { log: (await logsOf(deps.store, [again], mall))[0]! };
}

export function subscriptionView(s: WebhookSubscription, mall: Mall) {
  return {
    subscription_id: s.subscriptionId,
    endpoint_url: s.endpointUrl,
    event_types: s.eventTypes,
    dialect: s.dialect,
    status: s.status,
    failure_streak: s.failureStreak,
    disabled_date: s.disabledAt === null ? null : isoLocal(s.disabledAt, mall.timezone),
    created_date: isoLocal(s.createdAt, mall.timezone),
  };
}

export async function listSubscriptions(store: Store, mall: Mall, caller: Caller, q: Query) {
  checkShopNo(mall, q.shop_no);
  return { subscriptions: (await store.webhooks.listSubscriptions(caller.clientId)).map((s) => subscriptionView(s, mall)) };
}

export async function createSubscription(
  deps: Deps,
  mall: Mall,
  caller: Caller,
  body: { shop_no?: number; request: { endpoint_url: string; event_types: string[]; dialect?: 'cafe24' | 'pod' } },
) {
  checkShopNo(mall, body.shop_no);
  const r = body.request;
  const sub = await webhookErrors(() =>
    addSubscription(deps, { clientId: caller.clientId, endpointUrl: r.endpoint_url, eventTypes: r.event_types, ...(r.dialect ? { dialect: r.dialect } : {}) }),
  );
  return { subscription: subscriptionView(sub, mall) };
}

export async function updateSubscription(deps: Deps, mall: Mall, caller: Caller, id: string, body: { shop_no?: number; request: { status: 'enabled' | 'disabled' } }) {
  checkShopNo(mall, body.shop_no);
  await webhookErrors(() => subscriptionOf(deps.store, id, caller.clientId));
  await deps.store.webhooks.setSubscriptionStatus(id, body.request.status, deps.clock.now());
  return { subscription: subscriptionView((await deps.store.webhooks.getSubscription(id))!, mall) };
}

export async function deleteSubscription(store: Store, mall: Mall, caller: Caller, id: string, q: Query) {
  checkShopNo(mall, q.shop_no);
  await webhookErrors(() => subscriptionOf(store, id, caller.clientId));
  await store.webhooks.removeSubscription(id);
  return { subscription: { subscription_id: id } };
}

/** POST /webhooks/subscriptions/{id}/test: a test event (log_type T) of this mall to the subscription. */
export async function testSubscription(deps: Deps, mall: Mall, caller: Caller, id: string) {
  const d = await webhookErrors(async () => sendTestEvent(deps, await subscriptionOf(deps.store, id, caller.clientId), mall.mallId));
  return { log: (await logsOf(deps.store, [d], mall))[0]! };
}

