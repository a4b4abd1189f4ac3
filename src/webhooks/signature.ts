import { createHmac } from 'node:crypto';
import type { WebhookDelivery, WebhookDialect } from '../store/webhook-types.js';
import { EVENT_TYPES, isEventType } from './events.js';

/**
 * The headers of one attempt (docs/webhooks.md). In every dialect: `X-Shopauth-Timestamp` (Unix
 * seconds of the attempt) and `X-Shopauth-Signature: v1=<hex HMAC-SHA256 of "timestamp.body">`
 * keyed with the app's client secret, so each attempt is signed afresh and an old one can be
 * refused by its age; the event and delivery ids. Then the dialect's own shape: Cafe24
 * `X-Cafe24-Event-No`, `X-Trace-Id` (the log's trace_id) and `X-Cafe24-Hmac-Sha256` (base64
 * HMAC-SHA256 of the raw body, as the App URL launch's hmac is base64); POD Shop
 * `X-PodShop-Hook-Id`, `X-PodShop-Webhook-Type` and `X-PodShop-Signature: sha256=<hex of the body's HMAC>`.
 */
export function signedHeaders(dialect: WebhookDialect, delivery: WebhookDelivery, secret: string, nowMs: number): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  const v1 = createHmac('sha256', secret).update(`${timestamp}.${delivery.body}`, 'utf8').digest('hex');
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'user-agent': 'shopauth-webhooks/1',
    'x-shopauth-timestamp': timestamp,
    'x-shopauth-signature': `v1=${v1}`,
    'x-shopauth-event-id': delivery.eventId,
    'x-shopauth-event-type': delivery.eventType,
    'x-shopauth-delivery-id': delivery.deliveryId,
  };
  const bodyMac = createHmac('sha256', secret).update(delivery.body, 'utf8');
  if (dialect === 'cafe24') {
    if (isEventType(delivery.eventType)) headers['x-cafe24-event-no'] = String(EVENT_TYPES[delivery.eventType].eventNo);
    headers['x-trace-id'] = delivery.deliveryId;
    headers['x-cafe24-hmac-sha256'] = bodyMac.digest('base64');
  } else {
    const body = JSON.parse(delivery.body) as { hookId?: string; webHookType?: string };
    headers['x-podshop-hook-id'] = String(body.hookId ?? delivery.eventId);
    headers['x-podshop-webhook-type'] = String(body.webHookType ?? '');
    headers['x-podshop-signature'] = `sha256=${bodyMac.digest('hex')}`;
  }
  return headers;
}
