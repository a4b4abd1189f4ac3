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

/** Waits `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
