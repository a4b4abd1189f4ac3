import { mallRoot } from './endpoints.js';
import { refresh, type AppConfig, type TokenSet } from './oauth.js';
import { CallPacer, type PacingOptions } from './pacer.js';
import type { Customer, ListParams, Order, OrderInput, Product, ProductInput, StoreInfo } from './resources.js';
import { TokenManager } from './token-manager.js';
import type { TokenStore } from './token-store.js';
import { saysInvalidToken } from './wire.js';
import { Transport, type ApiResponse, type Authorizer, type RequestOptions, type RetryOptions } from './transport.js';

/**
 * Options of a ShopClient: the app, the mall, where the session's tokens live, and how to pace.
 *
 * @example
 * ```ts
 * const options: ShopClientOptions = { base: 'https://{mall_id}.cafe24api.com', mallId: 'myshop', clientId, clientSecret,
 *   tokenStore: new FileTokenStore('./tokens.json') };
 * ```
 */
export interface ShopClientOptions extends AppConfig {
  tokenStore: TokenStore;
  /** Sent as `X-Cafe24-Api-Version` (absent: the app's configured version). */
  apiVersion?: string | undefined;
  /** Pacing to the `X-Api-Call-Limit` bucket (default on, drained 2 per second); false for none. */
  pacing?: PacingOptions | false | undefined;
  retry?: RetryOptions | undefined;
  /** Refresh this long before the access token expires (default 60 s). */
  refreshSkewSeconds?: number | undefined;
  /** How to wait (default setTimeout): pacing and backoff use it. */
  sleep?: ((ms: number) => Promise<void>) | undefined;
}

/** Cafe24's `offset` stops at 8000 (wire.md): a longer walk needs narrower filters. */
const MAX_OFFSET = 8000;

/**
 * The Admin API of one mall for one app's session: Bearer tokens refreshed before they expire
 * and after a 401 `invalid_token`, one refresh for any number of concurrent calls, calls paced to
 * the `X-Api-Call-Limit` bucket, 429 and 503 retried with backoff. Typed resources, and `all()`
 * iterators that walk a list page by page.
 *
 * @example
 * ```ts
 * const client = new ShopClient({ base: 'http://127.0.0.1:8080', mallId: 'demo', clientId, clientSecret,
 *   tokenStore: new FileTokenStore('./tokens.json') });
 * const { shop_name } = await client.store.get();
 * for await (const product of client.products.all({ selling: 'T' })) console.log(product.product_name);
 * ```
 */
export class ShopClient {
  readonly tokens: TokenManager;
  private readonly transport: Transport;

  constructor(readonly options: ShopClientOptions) {
    this.tokens = new TokenManager(
      options.tokenStore,
      (t: TokenSet) => {
        if (!t.refreshToken) throw new TypeError('the session has no refresh token');
        return refresh(options, t.refreshToken);
      },
      { now: options.now, refreshSkewSeconds: options.refreshSkewSeconds },
    );
    const tokens = this.tokens;
    const authorizer: Authorizer = {
      async authorization() {
        const t = await tokens.current();
        return { header: `Bearer ${t.accessToken}`, token: t.accessToken };
      },
      // RFC 6750 §3.1: invalid_token (expired or revoked) is worth one refresh; other 401s are not.
      async renewAfter(res, body, token) {
        if (!saysInvalidToken(res, body)) return false;
        await tokens.refreshed(token);
        return true;
      },
    };
    const headers: Record<string, string> = {};
    if (options.apiVersion) headers['x-cafe24-api-version'] = options.apiVersion;
    this.transport = new Transport({
      root: mallRoot(options.base, options.mallId),
      authorizer,
      pacer: options.pacing === false ? null : new CallPacer({ now: options.now, sleep: options.sleep, ...options.pacing }),
      retry: options.retry,
      headers,
      fetch: options.fetch,
      sleep: options.sleep,
      now: options.now,
    });
  }

  /**
   * Any call under the mall root, e.g. `GET /api/v2/admin/products?limit=5`. Throws ApiError on an
   * error status (after refreshing or retrying where that helps).
   *
   * @example
   * ```ts
   * const { body } = await client.request<{ products: Product[] }>('GET', '/api/v2/admin/products', { query: { limit: 5 } });
   * ```
   */
  request<T = unknown>(method: string, path: string, options?: RequestOptions): Promise<ApiResponse<T>> {
    return this.transport.request<T>(method, path, options);
  }

  private async admin<T>(method: string, path: string, options?: RequestOptions): Promise<T> {
    return (await this.request<T>(method, `/api/v2/admin/${path}`, options)).body;
  }

  private list<K extends string, T>(path: string, key: K) {
    return async (params: ListParams = {}): Promise<T[]> => (await this.admin<Record<K, T[]>>('GET', path, { query: params }))[key];
  }

  /**
   * Every record of a list, page by page (`limit`, default 100, then `offset`), as an async
   * iterator; stops at the end or at Cafe24's offset limit of 8000.
   *
   * @example
   * ```ts
   * for await (const order of client.paginate<Order>('orders', 'orders', { order_status: 'N00', start_date: '2026-02-01', end_date: '2026-02-28' })) handle(order);
   * ```
   */
  async *paginate<T>(path: string, key: string, params: ListParams = {}): AsyncGenerator<T, void, undefined> {
    const limit = params.limit ?? 100;
    let offset = params.offset ?? 0;
    const page = this.list<string, T>(path, key);
    for (;;) {
      const records = await page({ ...params, limit, offset });
      yield* records;
      if (records.length < limit || offset + limit > MAX_OFFSET) return;
      offset += limit;
    }
  }

  /**
   * `GET /store`.
   *
   * @example
   * ```ts
   * const { shop_name, timezone } = await client.store.get();
   * ```
   */
  readonly store = {
    get: async (): Promise<StoreInfo> => (await this.admin<{ store: StoreInfo }>('GET', 'store')).store,
  };

  /**
   * Products: list, count, get, create, update, delete, all.
   *
   * @example
   * ```ts
   * const created = await client.products.create({ product_name: 'Mug', price: '9000' });
   * await client.products.update(created.product_no, { selling: 'T' });
   * ```
   */
  readonly products = {
    list: this.list<'products', Product>('products', 'products'),
    count: async (params: ListParams = {}): Promise<number> => (await this.admin<{ count: number }>('GET', 'products/count', { query: params })).count,
    get: async (productNo: number, params: ListParams = {}): Promise<Product> =>
      (await this.admin<{ product: Product }>('GET', `products/${productNo}`, { query: params })).product,
    create: async (input: ProductInput & { product_name: string; price: string | number }): Promise<Product> =>
      (await this.admin<{ product: Product }>('POST', 'products', { body: { shop_no: 1, request: input } })).product,
    update: async (productNo: number, patch: ProductInput): Promise<Product> =>
      (await this.admin<{ product: Product }>('PUT', `products/${productNo}`, { body: { shop_no: 1, request: patch } })).product,
    delete: async (productNo: number): Promise<{ product_no: number }> =>
      (await this.admin<{ product: { product_no: number } }>('DELETE', `products/${productNo}`)).product,
    all: (params: ListParams = {}): AsyncGenerator<Product, void, undefined> => this.paginate<Product>('products', 'products', params),
  };

  /**
   * Orders: list, count, get, create, all.
   *
   * @example
   * ```ts
   * const unpaid = await client.orders.list({ order_status: 'N00', start_date: '2026-02-01', end_date: '2026-02-28', limit: 20 });
   * ```
   */
  readonly orders = {
    list: this.list<'orders', Order>('orders', 'orders'),
    count: async (params: ListParams = {}): Promise<number> => (await this.admin<{ count: number }>('GET', 'orders/count', { query: params })).count,
    get: async (orderId: string, params: ListParams = {}): Promise<Order> =>
      (await this.admin<{ order: Order }>('GET', `orders/${encodeURIComponent(orderId)}`, { query: params })).order,
    create: async (input: OrderInput): Promise<Order> => (await this.admin<{ order: Order }>('POST', 'orders', { body: { shop_no: 1, request: input } })).order,
    all: (params: ListParams = {}): AsyncGenerator<Order, void, undefined> => this.paginate<Order>('orders', 'orders', params),
  };

  /**
   * Customers: list, get, all.
   *
   * @example
   * ```ts
   * const [first] = await client.customers.list({ email: 'kim@example.com' });
   * ```
   */
  readonly customers = {
    list: this.list<'customers', Customer>('customers', 'customers'),
    get: async (memberId: string, params: ListParams = {}): Promise<Customer> =>
      (await this.admin<{ customer: Customer }>('GET', `customers/${encodeURIComponent(memberId)}`, { query: params })).customer,
    all: (params: ListParams = {}): AsyncGenerator<Customer, void, undefined> => this.paginate<Customer>('customers', 'customers', params),
  };
}
