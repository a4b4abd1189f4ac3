import { localTime } from '../time/local-time.js';
import type { OrderStatus } from '../store/shop-types.js';
import type { Mall } from '../store/types.js';
import type { WebhookDialect } from '../store/webhook-types.js';

/**
 * The event catalogue (docs/webhooks.md): shopauth's type names, the scope an app must hold in
 * the mall to receive each, and Cafe24's event_no. wire.md names 90001 product created, 90023
 * order placed, 90024 shipping status changed and 90077 app deleted; the others are shopauth's
 * choice in Cafe24's numbering (90002 product updated, 90003 product deleted, 90032 customer
 * joined, 90076 app installed), documented in docs/webhooks.md.
 */
export const EVENT_TYPES = {
  'order.created': { scope: 'mall.read_order', eventNo: 90023 },
  'order.status_changed': { scope: 'mall.read_order', eventNo: 90024 },
  'product.created': { scope: 'mall.read_product', eventNo: 90001 },
  'product.updated': { scope: 'mall.read_product', eventNo: 90002 },
  'product.deleted': { scope: 'mall.read_product', eventNo: 90003 },
  'customer.created': { scope: 'mall.read_customer', eventNo: 90032 },
  'app.installed': { scope: 'mall.read_application', eventNo: 90076 },
  'app.uninstalled': { scope: 'mall.read_application', eventNo: 90077 },
} as const;

export type EventType = keyof typeof EVENT_TYPES;

export const isEventType = (t: string): t is EventType => Object.hasOwn(EVENT_TYPES, t);

/** The event types a dialect delivers: POD Shop only posts order status changes (wire.md). */
export const DIALECT_EVENT_TYPES: Record<WebhookDialect, readonly EventType[]> = {
  cafe24: Object.keys(EVENT_TYPES) as EventType[],
  pod: ['order.status_changed'],
};

/** The POD Shop webHookType of an order status (wire.md), or undefined: not one POD Shop reports. */
export const POD_HOOK_TYPES: Partial<Record<OrderStatus, string>> = {
  N10: 'IN_PRODUCTION',
  N20: 'SHIPPED',
  N30: 'IN_DELIVERY',
  N40: 'DELIVERY_COMPLETED',
};

/** Does the granted scope list cover the event type (its read scope, or the write scope of the same kind)? */
export function scopeCovers(scopes: readonly string[], type: EventType): boolean {
  const read = EVENT_TYPES[type].scope;
  return scopes.includes(read) || scopes.includes(read.replace('.read_', '.write_'));
}

/** POD Shop eventTime: "YYYY-MM-DD HH:MM:SS" in the mall's time zone. */
export const podEventTime = (epochMs: number, mall: Mall): string => localTime(epochMs, mall.timezone).slice(0, 19).replace('T', ' ');

/**
 * The JSON body of an event in a dialect, or undefined if that dialect does not deliver it.
 * Cafe24: {"event_no", "resource": {"mall_id", "event_shop_no", ...the resource}}. POD Shop:
 * {"hookId", "eventTime", "webHookType", "data"}. `test`: a "send test event" body (log_type T).
 */
export function renderBody(
  dialect: WebhookDialect,
  event: { eventId: string; type: EventType; data: Record<string, unknown>; occurredAt: number },
  mall: Mall,
): string | undefined {
  if (dialect === 'cafe24') {
    return JSON.stringify({ event_no: EVENT_TYPES[event.type].eventNo, resource: { mall_id: mall.mallId, event_shop_no: String(mall.shopNo), ...event.data } });
  }
  if (event.type !== 'order.status_changed') return undefined;
  const d = event.data;
  const hookType = typeof d.test_hook_type === 'string' ? d.test_hook_type : POD_HOOK_TYPES[d.order_status as OrderStatus];
  if (hookType === undefined) return undefined;
  const data = d.test === 'T' ? { test: true } : { orderId: d.order_id, orderCode: d.order_code ?? null, orderStatus: d.order_status };
  return JSON.stringify({ hookId: event.eventId, eventTime: podEventTime(event.occurredAt, mall), webHookType: hookType, data });
}

/** The data of a "send test event" (log_type T): the subscription's first type, marked as a test. */
export const testEventData = (dialect: WebhookDialect): Record<string, unknown> =>
  dialect === 'pod' ? { test: 'T', test_hook_type: 'IN_PRODUCTION' } : { test: 'T' };
