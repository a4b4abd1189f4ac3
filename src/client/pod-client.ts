import { OAuthResponseError } from './errors.js';
import { basicAuth, tokenSetOf, type TokenSet } from './oauth.js';
import { CallPacer, type PacingOptions } from './pacer.js';
import { TokenManager } from './token-manager.js';
import { MemoryTokenStore, type TokenStore } from './token-store.js';
import { Transport, type ApiResponse, type Authorizer, type RequestOptions, type RetryOptions } from './transport.js';
import { readBody, saysInvalidToken, traceIdOf } from './wire.js';

/**
 * Options of a PodClient: POD Shop API credentials (Client ID and Client Key) and how to authenticate.
 *
 * @example
 * ```ts
 * const options: PodClientOptions = { base: 'https://api.pod.shop', clientId: ID, clientKey: KEY, auth: 'bearer' };
 * ```
 */
export interface PodClientOptions {
  /** The server root: `https://api.pod.shop`, `https://dev-api.pod.shop`, or a shopauth root. */
  base: string;
  clientId: string;
  /** The Client Key: keep it on the server, never in client code or a repository. */
  clientKey: string;
  /**
   * `basic` sends the key on every call; `bearer` (default) trades it at `/ac/oauth/ext/token` for
   * a one-hour JWT, refreshed (`/ac/oauth/ext/token/refresh`) like any other session.
   */
  auth?: 'basic' | 'bearer' | undefined;
  /** Where the bearer tokens live (default in memory). */
  tokenStore?: TokenStore | undefined;
  pacing?: PacingOptions | false | undefined;
  retry?: RetryOptions | undefined;
  refreshSkewSeconds?: number | undefined;
  fetch?: typeof fetch | undefined;
  now?: (() => number) | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
}

/**
 * A POD Shop order as the API answers it (amounts are numbers).
 *
 * @example
 * ```ts
 * const { orders } = await pod.orders.list({ pageNo: 0 });
 * console.log(orders[0]?.orderCode);
 * ```
 */
export interface PodOrder {
  orderCode: string | null;
  [field: string]: unknown;
}

/**
 * One order of `POST /ac/api/external/orders`.
 *
 * @example
 * ```ts
 * const order: PodOrderInput = { orderCode: 'A-1', orderEntries: [{ projectId: 3, quantity: 1 }],
 *   shippingAddress: { recipient: 'Kim', postcode: '04524', address: 'Seoul', phoneNumber: '010-0000-0000' } };
 * ```
 */
export interface PodOrderInput {
  orderCode: string;
  storeCustomerId?: string;
  orderEntries: { projectId: number | string; quantity: number | string; productSellPrice?: number | string }[];
  shippingAddress: { recipient: string; postcode: string; address: string; addressDetail?: string; phoneNumber: string; nationCode?: string };
}

/**
 * POD Shop's API (`/ac/...` at the server root) with Basic credentials or bearer tokens, paced and
 * retried like the Admin API, the bearer refreshed single-flight before it expires and on a 401.
 *
 * @example
 * ```ts
 * const pod = new PodClient({ base: 'https://api.pod.shop', clientId: ID, clientKey: KEY });
 * for await (const order of pod.orders.all()) console.log(order.orderCode);
 * ```
 */
export class PodClient {
  /** Absent with `auth: 'basic'`. */
  readonly tokens: TokenManager | undefined;
  private readonly transport: Transport;
  private readonly root: string;

  constructor(private readonly options: PodClientOptions) {
    this.root = options.base.replace(/\/+$/, '');
    const basic = basicAuth(options.clientId, options.clientKey);
    let authorizer: Authorizer;
    if (options.auth === 'basic') {
      authorizer = { authorization: async () => ({ header: basic }) };
    } else {
      const tokens = new TokenManager(options.tokenStore ?? new MemoryTokenStore(), (t) => this.renew(t), {
        now: options.now,
        refreshSkewSeconds: options.refreshSkewSeconds,
        issue: () => this.tokenCall('/ac/oauth/ext/token'),
      });
      this.tokens = tokens;
      authorizer = {
        async authorization() {
          const t = await tokens.current();
          return { header: `bearer ${t.accessToken}`, token: t.accessToken };
        },
        // POD Shop: only a 401 about the token ("this token does not exist", tokenHasExpired) gets a
        // new token, once; bad credentials ("Unauthorized") would only fail again.
        async renewAfter(res, body, token) {
          if (!saysInvalidToken(res, body)) return false;
          await tokens.refreshed(token);
          return true;
        },
      };
    }
    this.transport = new Transport({
      root: this.root,
      authorizer,
      pacer: options.pacing === false ? null : new CallPacer({ now: options.now, sleep: options.sleep, ...options.pacing }),
      retry: options.retry,
      fetch: options.fetch,
      sleep: options.sleep,
      now: options.now,
    });
  }

  /**
   * Any call under the server root, e.g. `GET /ac/api/external/orders?pageNo=0`.
   *
   * @example
   * ```ts
   * const { headers } = await pod.request('GET', '/ac/api/external/orders', { query: { pageSize: 1 } });
   * console.log(headers.get('x-total-count'));
   * ```
   */
  request<T = unknown>(method: string, path: string, options?: RequestOptions): Promise<ApiResponse<T>> {
    return this.transport.request<T>(method, path, options);
  }

  /**
   * Orders: a page (`pageNo` from 0, `pageSize` 1-100) with the total, a batch create, every order.
   *
   * @example
   * ```ts
   * const { orders, total } = await pod.orders.list({ pageNo: 0, pageSize: 20 });
   * await pod.orders.create([order]);
   * ```
   */
  readonly orders = {
    list: async (page: { pageNo?: number; pageSize?: number } = {}): Promise<{ orders: PodOrder[]; total: number }> => {
      const res = await this.request<PodOrder[]>('GET', '/ac/api/external/orders', { query: page });
      return { orders: res.body, total: Number(res.headers.get('x-total-count') ?? res.body.length) };
    },
    create: async (orders: PodOrderInput[]): Promise<PodOrder[]> =>
      (await this.request<{ orders: PodOrder[] }>('POST', '/ac/api/external/orders', { body: { orders } })).body.orders,
    all: (pageSize = 100): AsyncGenerator<PodOrder, void, undefined> => this.pages(pageSize),
  };

  private async *pages(pageSize: number): AsyncGenerator<PodOrder, void, undefined> {
    for (let pageNo = 0; ; pageNo++) {
      const { orders, total } = await this.orders.list({ pageNo, pageSize });
      yield* orders;
      if (orders.length < pageSize || (pageNo + 1) * pageSize >= total) return;
    }
  }

  /** The refresh endpoint, or a new token when the refresh token is refused (the key still works). */
  private async renew(tokens: TokenSet): Promise<TokenSet> {
    if (tokens.refreshToken) {
      try {
        return await this.tokenCall('/ac/oauth/ext/token/refresh', { refreshToken: tokens.refreshToken });
      } catch (error) {
        if (!(error instanceof OAuthResponseError && error.status === 401)) throw error;
      }
    }
    return this.tokenCall('/ac/oauth/ext/token');
  }

  private async tokenCall(path: string, body?: Record<string, string>): Promise<TokenSet> {
    const startedAt = (this.options.now ?? Date.now)();
    const headers: Record<string, string> = { authorization: basicAuth(this.options.clientId, this.options.clientKey), accept: 'application/json' };
    const init: RequestInit = { method: 'POST', headers };
    if (body) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const res = await (this.options.fetch ?? fetch)(`${this.root}${path}`, init);
    const parsed = await readBody(res);
    const traceId = traceIdOf(res, parsed);
    if (!res.ok) {
      const p = parsed as { error?: unknown; detail?: unknown; errorKey?: unknown } | undefined;
      const error = typeof p?.errorKey === 'string' ? p.errorKey : `http_${res.status}`;
      const description = typeof p?.detail === 'string' ? p.detail : typeof p?.error === 'string' ? p.error : undefined;
      throw new OAuthResponseError(res.status, error, description, traceId);
    }
    return tokenSetOf(parsed, startedAt, res.status, traceId);
  }
}
