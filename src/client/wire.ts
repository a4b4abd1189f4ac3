import { timingSafeEqual } from 'node:crypto';

/** Small helpers the SDK's modules share (not part of the public API). */

/** Is it a plain JSON object? */
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Constant-time text comparison (different lengths differ at once: the length is not the secret). */
export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A response body: parsed JSON, the text when it is not JSON, undefined when empty. */
export async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The trace id of an answer: the body's `trace_id` (Cafe24 shapes) or the `X-Trace-Id` header. */
export function traceIdOf(res: Response, body: unknown): string | undefined {
  if (isObject(body)) {
    if (typeof body.trace_id === 'string') return body.trace_id;
    if (isObject(body.error) && typeof body.error.trace_id === 'string') return body.error.trace_id;
  }
  return res.headers.get('x-trace-id') ?? undefined;
}

/**
 * Does a 401 say the access token itself is bad (expired, revoked, unknown), so that one refresh
 * may help? RFC 6750 §3.1 `error="invalid_token"` in the challenge decides when there is one;
 * without a challenge, the body must say so: Cafe24's `{"error":{"message":"... (invalid_token)"}}`
 * or POD Shop's `this token does not exist` / `This token has expired` / `tokenHasExpired`.
 * Bad client credentials and other 401s are not worth a new token.
 */
export function saysInvalidToken(res: Response, body: unknown): boolean {
  const challenge = res.headers.get('www-authenticate');
  if (challenge !== null && /^\s*bearer\b/i.test(challenge)) return /\berror\s*=\s*"?invalid_token"?/i.test(challenge);
  if (!isObject(body)) return false;
  if (body.errorKey === 'tokenHasExpired') return true;
  const message = isObject(body.error) ? body.error.message : body.error;
  return typeof message === 'string' && /invalid_token|token does not exist|token has expired|expired/i.test(message);
}

/** Waits `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
