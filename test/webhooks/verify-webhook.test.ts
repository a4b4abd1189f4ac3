import { createHmac } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { verifyWebhook, WebhookVerificationError } from '../../src/client/index.js';

/** The SDK's verifyWebhook on its own: header forms, missing parts, rotation lists, tolerance both ways. */
const SECRET = 'app-secret-1';
const body = '{"event_no":90001,"resource":{"mall_id":"m","event_shop_no":"1"}}';
const at = 1_772_334_000;
const sign = (ts: number, raw = body, secret = SECRET) => `v1=${createHmac('sha256', secret).update(`${ts}.${raw}`).digest('hex')}`;
const now = () => at * 1000;

describe('verifyWebhook', () => {
  test('Node headers or fetch Headers, string or bytes; several v1 values (a rotation) verify if one does', () => {
    const headers = { 'X-Shopauth-Timestamp': String(at), 'x-shopauth-signature': sign(at), 'x-shopauth-event-id': 'e1', 'x-shopauth-event-type': 'product.created', 'x-shopauth-delivery-id': 'd1' };
    expect(verifyWebhook(headers, body, SECRET, { now })).toEqual({ timestamp: at, eventId: 'e1', eventType: 'product.created', deliveryId: 'd1', payload: JSON.parse(body) });
    expect(verifyWebhook(new Headers(headers), new TextEncoder().encode(body), SECRET, { now }).payload).toEqual(JSON.parse(body));
    expect(verifyWebhook({ ...headers, 'x-shopauth-signature': `${sign(at, body, 'old')}, ${sign(at)}` }, body, SECRET, { now }).eventId).toBe('e1');
  });

  test('refused: no timestamp, no signature, a bad one, a timestamp out of tolerance either way', () => {
    const ok = { 'x-shopauth-timestamp': String(at), 'x-shopauth-signature': sign(at) };
    const refuse = (h: Record<string, string>, code: string, message: string, options = {}) => {
      let error: unknown;
      try {
        verifyWebhook(h, body, SECRET, { now, ...options });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(WebhookVerificationError);
      expect(error).toMatchObject({ code, message });
    };
    refuse({ 'x-shopauth-signature': sign(at) }, 'ERR_WEBHOOK_INVALID', 'the delivery has no X-Shopauth-Timestamp');
    refuse({ 'x-shopauth-timestamp': String(at) }, 'ERR_WEBHOOK_INVALID', 'the delivery has no X-Shopauth-Signature');
    refuse({ ...ok, 'x-shopauth-signature': sign(at + 1) }, 'ERR_WEBHOOK_INVALID', 'the webhook signature does not verify');
    refuse({ ...ok, 'x-shopauth-signature': sign(at).replace('v1=', 'v0=') }, 'ERR_WEBHOOK_INVALID', 'the webhook signature does not verify');
    refuse(ok, 'ERR_WEBHOOK_STALE', 'the delivery is 61 s old (at most 60)', { toleranceSeconds: 60, now: () => (at + 61) * 1000 });
    refuse(ok, 'ERR_WEBHOOK_STALE', 'the delivery is -61 s old (at most 60)', { toleranceSeconds: 60, now: () => (at - 61) * 1000 });
    expect(verifyWebhook(ok, body, SECRET, { toleranceSeconds: 60, now: () => (at + 60) * 1000 }).timestamp).toBe(at);
  });
});
