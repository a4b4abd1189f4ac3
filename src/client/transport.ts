import { ApiError, InvalidResponseError, RateLimitedError } from './errors.js';
import { CallPacer } from './pacer.js';
import { isObject, readBody, sleep as realSleep, traceIdOf } from './wire.js';

/**
 * Retries of 429 (rate limited) and 503 (unavailable): exponential backoff with full jitter,
 * never sooner than `Retry-After`.
 *
 * @example
 * ```ts
 * new ShopClient({ ...app, tokenStore, retry: { retries: 6, maxDelayMs: 60_000 } });
 * ```
 */
export interface RetryOptions {
  /** Retries after the first attempt (default 4; 0 for none). */
  retries?: number | undefined;
  /** The first backoff (default 500 ms), doubled each retry. */
  baseDelayMs?: number | undefined;
  /** The longest wait (default 30 s). */
  maxDelayMs?: number | undefined;
}

/**
 * An API answer: the status, the headers and the parsed JSON body.
 *
 * @example
 * ```ts
 * const { status, headers, body } = await client.request<{ count: number }>('GET', '/api/v2/admin/products/count');
 * ```
 */
export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * One API request.
 *
 * @example
 * ```ts
 * await client.request('POST', '/api/v2/admin/products', { body: { request: { product_name: 'Mug', price: '9000' } } });
 * ```
 */
export interface RequestOptions {
  query?: Record<string, string | number | boolean | readonly (string | number)[] | undefined> | undefined;
  /** Sent as JSON. */
  body?: unknown;
  headers?: Record<string, string> | undefined;
}

/** How a transport authenticates its calls (bearer with refresh, or Basic). */
export interface Authorizer {
  /** The Authorization header for the next call, and the access token in it (for a refresh after a 401). */
  authorization(): Promise<{ header: string; token?: string | undefined }>;
  /** The answer says the access token is no longer good: get a new one, once per call. */
  renewAfter?(res: Response, body: unknown, token: string): Promise<boolean>;
}

export interface TransportOptions {
  root: string;
  authorizer: Authorizer;
  pacer: CallPacer | null;
  retry?: RetryOptions | undefined;
  headers?: Record<string, string> | undefined;
  fetch?: typeof fetch | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /** The time in epoch ms (a Retry-After date is counted from it). */
  now?: (() => number) | undefined;
}

/** Sends API calls: authorization, pacing, one refresh on a dead token, retries on 429 and 503. */
export class Transport {
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly o: TransportOptions) {
    this.sleep = o.sleep ?? realSleep;
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const url = this.urlOf(path, options.query);
    const retries = this.o.retry?.retries ?? 4;
    let renewed = false;
    for (let attempt = 0; ; attempt++) {
      const auth = await this.o.authorizer.authorization();
      const headers: Record<string, string> = { accept: 'application/json', ...this.o.headers, ...options.headers, authorization: auth.header };
      const init: RequestInit = { method, headers };
      if (options.body !== undefined) {
        headers['content-type'] = 'application/json';
        init.body = JSON.stringify(options.body);
      }
      await this.o.pacer?.acquire();
      let res: Response;
      try {
        res = await (this.o.fetch ?? fetch)(url, init);
      } catch (error) {
        this.o.pacer?.observe(0, null);
        throw error;
      }
      this.o.pacer?.observe(res.status, res.headers.get('x-api-call-limit'));
      const body = await readBody(res);
      if (res.ok) {
        if (typeof body === 'string') throw new InvalidResponseError(res.status, `the API answered ${res.status} with a body that is not JSON`, traceIdOf(res, body));
        return { status: res.status, headers: res.headers, body: body as T };
      }
      if (res.status === 401 && !renewed && auth.token !== undefined && this.o.authorizer.renewAfter) {
        renewed = true;
        if (await this.o.authorizer.renewAfter(res, body, auth.token)) {
          attempt--; // a refresh is not a retry
          continue;
        }
      }
      const retryAfter = retryAfterSeconds(res.headers.get('retry-after'), (this.o.now ?? Date.now)());
      if ((res.status === 429 || res.status === 503) && attempt < retries) {
        await this.sleep(this.backoff(attempt, retryAfter));
        continue;
      }
      const message = messageOf(body) ?? res.statusText;
      const traceId = traceIdOf(res, body);
      if (res.status === 429 || res.status === 503) throw new RateLimitedError(res.status, message, body, res.headers, traceId, retryAfter);
      throw new ApiError(res.status, message, body, res.headers, traceId);
    }
  }

  /** Full jitter over an exponential window, never below Retry-After (RFC 9110 §10.2.3). */
  private backoff(attempt: number, retryAfter: number | undefined): number {
    const base = this.o.retry?.baseDelayMs ?? 500;
    const max = this.o.retry?.maxDelayMs ?? 30_000;
    const window = Math.min(max, base * 2 ** attempt);
    const jitter = Math.random() * window;
    return Math.min(max, Math.max(jitter, (retryAfter ?? 0) * 1000 + Math.random() * base));
  }

  private urlOf(path: string, query: RequestOptions['query']): string {
    const url = new URL(`${this.o.root}${path.startsWith('/') ? '' : '/'}${path}`);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value === undefined) continue;
      url.searchParams.set(name, Array.isArray(value) ? value.join(',') : String(value));
    }
    return url.toString();
  }
}

/** RFC 9110 §10.2.3: Retry-After is seconds or an HTTP date. */
function retryAfterSeconds(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/** The message of an error body: Cafe24 `{"error":{"message"}}`, POD Shop `detail` or `error`. */
function messageOf(body: unknown): string | undefined {
  if (!isObject(body)) return typeof body === 'string' && body.length < 200 ? body : undefined;
  if (isObject(body.error) && typeof body.error.message === 'string') return body.error.message;
  if (typeof body.detail === 'string') return body.detail;
  if (typeof body.error === 'string') return body.error;
  return undefined;
}
