import { createHmac } from 'node:crypto';
import { sameText } from './wire.js';

/**
 * Why a webhook delivery was refused: a missing or bad signature (`ERR_WEBHOOK_INVALID`), or a
 * timestamp out of tolerance (`ERR_WEBHOOK_STALE`).
 *
 * @example
 * ```ts
 * try { verifyWebhook(req.headers, body, CLIENT_SECRET); } catch (e) {
 *   if (e instanceof WebhookVerificationError) res.writeHead(e.code === 'ERR_WEBHOOK_STALE' ? 408 : 401).end();
 * }
 * ```
 */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
  constructor(
    readonly code: 'ERR_WEBHOOK_INVALID' | 'ERR_WEBHOOK_STALE',
    message: string,
  ) {
    super(message);
  }
}

/**
 * A verified delivery: the parsed body and what its headers say.
 *
 * @example
 * ```ts
 * const hook: VerifiedWebhook<{ event_no: number; resource: { mall_id: string } }> = verifyWebhook(req.headers, body, CLIENT_SECRET);
 * if (hook.payload.event_no === 90023) queueOrderSync(hook.payload.resource.mall_id, hook.eventId);
 * ```
 */
export interface VerifiedWebhook<T = unknown> {
  /** Unix seconds of this attempt (X-Shopauth-Timestamp). */
  timestamp: number;
  /** The same on every attempt and replay of one event: deduplicate on it (at-least-once delivery). */
  eventId: string;
  /** shopauth's event type, e.g. order.created. */
  eventType: string;
  deliveryId: string;
  /** The JSON body: Cafe24 {event_no, resource} or POD Shop {hookId, eventTime, webHookType, data}. */
  payload: T;
}

type Headers = Record<string, string | string[] | undefined> | { get(name: string): string | null };

const header = (headers: Headers, name: string): string | undefined => {
  if (typeof (headers as { get?: unknown }).get === 'function') return (headers as { get(n: string): string | null }).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  const v = key === undefined ? undefined : record[key];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * Verifies a shopauth webhook delivery (docs/webhooks.md): `X-Shopauth-Signature: v1=<hex>` must
 * be HMAC-SHA256 keyed with the app's client secret over `"<X-Shopauth-Timestamp>.<raw body>"`,
 * compared in constant time, and the timestamp (Unix seconds) at most `toleranceSeconds` (default
 * 300) from now, either way, so a captured delivery cannot be replayed later. Pass the body exactly
 * as received (bytes or text), before any JSON parsing. `headers`: Node's IncomingHttpHeaders or a
 * fetch Headers. Throws WebhookVerificationError.
 *
 * @example
 * ```ts
 * http.createServer(async (req, res) => {
 *   const chunks: Buffer[] = [];
 *   for await (const c of req) chunks.push(c as Buffer);
 *   try {
 *     const hook = verifyWebhook(req.headers, Buffer.concat(chunks), CLIENT_SECRET, { toleranceSeconds: 300 });
 *     if (!seen(hook.eventId)) handle(hook.payload);
 *     res.writeHead(200).end();
 *   } catch {
 *     res.writeHead(401).end();
 *   }
 * });
 * ```
 */
export function verifyWebhook<T = unknown>(
  headers: Headers,
  rawBody: string | Uint8Array,
  secret: string,
  options: { toleranceSeconds?: number | undefined; now?: (() => number) | undefined } = {},
): VerifiedWebhook<T> {
  const stamp = header(headers, 'x-shopauth-timestamp');
  const signature = header(headers, 'x-shopauth-signature');
  if (stamp === undefined || !/^\d{1,12}$/.test(stamp)) throw new WebhookVerificationError('ERR_WEBHOOK_INVALID', 'the delivery has no X-Shopauth-Timestamp');
  if (signature === undefined) throw new WebhookVerificationError('ERR_WEBHOOK_INVALID', 'the delivery has no X-Shopauth-Signature');
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : Buffer.from(rawBody.buffer, rawBody.byteOffset, rawBody.byteLength);
  const expected = createHmac('sha256', secret).update(`${stamp}.`, 'utf8').update(body).digest('hex');
  // Several comma-separated v1= values are accepted (room for a secret rotation); any one may match.
  const presented = signature.split(',').map((s) => s.trim()).filter((s) => s.startsWith('v1=')).map((s) => s.slice(3));
  if (!presented.some((p) => sameText(expected, p))) throw new WebhookVerificationError('ERR_WEBHOOK_INVALID', 'the webhook signature does not verify');
  const tolerance = options.toleranceSeconds ?? 300;
  const age = (options.now ?? Date.now)() / 1000 - Number(stamp);
  if (Math.abs(age) > tolerance) throw new WebhookVerificationError('ERR_WEBHOOK_STALE', `the delivery is ${Math.round(age)} s old (at most ${tolerance})`);
  let payload: T;
  try {
    payload = JSON.parse(body.toString('utf8')) as T;
  } catch {
    throw new WebhookVerificationError('ERR_WEBHOOK_INVALID', 'the webhook body is not JSON');
  }
  return {
    timestamp: Number(stamp),
    eventId: header(headers, 'x-shopauth-event-id') ?? '',
    eventType: header(headers, 'x-shopauth-event-type') ?? '',
    deliveryId: header(headers, 'x-shopauth-delivery-id') ?? '',
    payload,
  };
}
