import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiError,
  AuthorizationDeniedError,
  authorizationUrl,
  CallbackError,
  exchangeCode,
  handleCallback,
  introspect,
  LaunchError,
  MemoryTokenStore,
  NoSessionError,
  OAuthResponseError,
  refresh,
  revoke,
  SessionEndedError,
  ShopClient,
  verifyLaunch,
  type AppConfig,
  type TokenSet,
  type TokenStore,
} from '../../src/client/index.js';
import { Browser } from '../support/browser.js';
import type { TestServer } from '../support/server.js';
import { CALLBACK, consent, SCOPES, startShop, tokenEvents } from './support.js';

let s: TestServer;
let app: AppConfig;
let clientId: string;
let clientSecret: string;

beforeAll(async () => {
  ({ s, app, client: { clientId, clientSecret } } = await startShop());
  app = { ...app, now: () => s.clock.now() };
});
afterAll(() => s.close());

/** The whole authorization through the SDK, the operator's part by HTTP requests. */
async function login(config: AppConfig = app, browser = new Browser()): Promise<TokenSet> {
  const pending = authorizationUrl({ ...config, redirectUri: CALLBACK, scopes: SCOPES });
  const { code } = handleCallback(await consent(pending.url, browser), pending);
  return exchangeCode(config, { code, redirectUri: pending.redirectUri, codeVerifier: pending.codeVerifier });
}

describe('the authorization code flow through the SDK', () => {
  it('authorizationUrl sends a fresh state and an S256 challenge to the mall', () => {
    const a = authorizationUrl({ ...app, redirectUri: CALLBACK, scopes: ['mall.read_store', 'mall.read_product'] });
    const b = authorizationUrl({ ...app, redirectUri: CALLBACK, scopes: ['mall.read_store'] });
    const url = new URL(a.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${s.url}/malls/mall1/api/v2/oauth/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: CALLBACK,
      scope: 'mall.read_store,mall.read_product',
      state: a.state,
      code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      code_challenge_method: 'S256',
    });
    expect(a.state).not.toBe(b.state);
    expect(a.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.issuer).toBe(`${s.url}/malls/mall1`);
  });

  it('logs in, calls every typed resource, pages, introspects, refreshes and revokes', async () => {
    const tokens = await login();
    expect(tokens).toMatchObject({ tokenType: 'Bearer', expiresAt: s.clock.now() + 7200_000, mallId: 'mall1', userId: 'boss', scopes: SCOPES });
    expect(tokens.refreshTokenExpiresAt).toBe(s.clock.now() + 14 * 86400_000);
    const store = new MemoryTokenStore(tokens);
    const client = new ShopClient({ ...app, tokenStore: store, pacing: false });

    expect(await client.store.get()).toMatchObject({ mall_id: 'mall1', shop_name: 'Shop mall1', shop_no: 1 });
    expect(await client.products.count()).toBe(25);
    const page = await client.products.list({ limit: 5 });
    expect(page.map((p) => p.product_no)).toHaveLength(5);
    const all: number[] = [];
    for await (const p of client.products.all({ limit: 10 })) all.push(p.product_no);
    expect(all).toHaveLength(25);
    expect(new Set(all).size).toBe(25);
    expect(all.slice(0, 5)).toEqual(page.map((p) => p.product_no));
    expect(await client.products.get(all[3]!)).toMatchObject({ product_no: all[3] });
    const created = await client.products.create({ product_name: 'SDK Mug', price: '9000' });
    expect(created).toMatchObject({ product_name: 'SDK Mug', price: '9000.00' });
    expect(await client.products.update(created.product_no, { selling: 'F' })).toMatchObject({ product_no: created.product_no, selling: 'F' });
    const orders: string[] = [];
    // Cafe24's order list and count need a date range of at most 3 months (the sample orders are within 90 days).
    const range = { start_date: '2025-12-01', end_date: '2026-03-01' };
    for await (const o of client.orders.all({ limit: 3, ...range })) orders.push(o.order_id);
    expect(orders).toHaveLength(8);
    expect(await client.orders.get(orders[0]!)).toMatchObject({ order_id: orders[0] });
    expect(await client.orders.count(range)).toBe(8);
    const customers = await client.customers.list({ limit: 100 });
    expect(customers).toHaveLength(12);
    expect(await client.customers.get(customers[0]!.member_id)).toMatchObject({ member_id: customers[0]!.member_id });
    let missing: unknown;
    await client.products.get(999_999).catch((e: unknown) => (missing = e));
    expect(missing).toBeInstanceOf(ApiError);
    expect(missing).toMatchObject({ code: 'ERR_API_RESPONSE', status: 404, traceId: expect.stringMatching(/./) });

    expect(await introspect(app, tokens.accessToken)).toMatchObject({ active: true, client_id: clientId, scope: SCOPES.join(' ') });

    const next = await refresh(app, tokens.refreshToken!);
    expect(next.refreshToken).not.toBe(tokens.refreshToken);
    expect(await introspect(app, tokens.refreshToken!, 'refresh_token')).toEqual({ active: false });
    // RFC 7009 with client_secret_post (body authentication) this time.
    const bodyAuth: AppConfig = { ...app, clientAuth: 'body' };
    expect(await introspect(bodyAuth, next.accessToken)).toMatchObject({ active: true });
    await revoke(bodyAuth, next.refreshToken!, 'refresh_token');
    expect(await introspect(app, next.refreshToken!)).toEqual({ active: false });
  });

  it('a revoked session ends: SessionEndedError, and the store is cleared', async () => {
    const tokens = await login();
    const store = new MemoryTokenStore(tokens);
    const client = new ShopClient({ ...app, tokenStore: store, pacing: false });
    await revoke(app, tokens.accessToken, 'access_token');
    // 401 invalid_token -> one refresh -> invalid_grant: the session is over.
    const error = await client.store.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionEndedError);
    expect(error).toMatchObject({ code: 'ERR_SESSION_ENDED', error: 'invalid_grant', status: 400, traceId: expect.stringMatching(/./) });
    expect(await store.get()).toBeUndefined();
    await expect(client.store.get()).rejects.toBeInstanceOf(NoSessionError);
  });

  it('a wrong client secret is an OAuthResponseError with the trace id, never the secret', async () => {
    const pending = authorizationUrl({ ...app, redirectUri: CALLBACK, scopes: ['mall.read_store'] });
    const { code } = handleCallback(await consent(pending.url), pending);
    const error = await exchangeCode({ ...app, clientSecret: 'wrong-secret-value' }, { code, redirectUri: CALLBACK, codeVerifier: pending.codeVerifier }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuthResponseError);
    expect(error).toMatchObject({ code: 'ERR_OAUTH_RESPONSE', status: 401, error: 'invalid_client', traceId: expect.stringMatching(/./) });
    expect(String((error as Error).message)).not.toContain('wrong-secret-value');
  });
});

describe('handleCallback', () => {
  it('refuses another state (RFC 6749 §10.12) and another issuer (RFC 9207)', async () => {
    const pending = authorizationUrl({ ...app, redirectUri: CALLBACK, scopes: ['mall.read_store'] });
    const location = await consent(pending.url);
    expect(new URL(location).searchParams.get('iss')).toBe(`${s.url}/malls/mall1`);
    expect(() => handleCallback(location, { ...pending, state: 'another' })).toThrow(expect.objectContaining({ code: 'ERR_STATE_MISMATCH' }));
    const mixUp = () => handleCallback(location, { state: pending.state, issuer: `${s.url}/malls/mall2` });
    expect(mixUp).toThrow(CallbackError);
    expect(mixUp).toThrow(expect.objectContaining({ code: 'ERR_ISSUER_MISMATCH' }));
    expect(handleCallback(location, pending)).toMatchObject({ state: pending.state, iss: pending.issuer, code: expect.stringMatching(/./) });
  });

  it('turns a denial into AuthorizationDeniedError with the trace id of the redirect', async () => {
    const pending = authorizationUrl({ ...app, redirectUri: CALLBACK, scopes: ['mall.read_store'] });
    const location = await consent(pending.url, new Browser(), 'deny');
    const traceId = new URL(location).searchParams.get('trace_id');
    expect(traceId).toMatch(/./);
    let error: unknown;
    try {
      handleCallback(location, pending);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AuthorizationDeniedError);
    expect(error).toMatchObject({ code: 'ERR_AUTHORIZATION_DENIED', error: 'access_denied', traceId });
  });
});

describe('concurrent calls on an expired access token', () => {
  it.each([
    ['the SDK knows the expiry (refresh before the call)', true],
    ['the SDK does not (refresh after 401 invalid_token)', false],
  ])('20 calls, %s: exactly one refresh, all succeed', async (_why, knowsTime) => {
    const config: AppConfig = knowsTime ? app : { ...app, now: Date.now };
    const tokens = await login(config);
    const store = new MemoryTokenStore(tokens);
    const client = new ShopClient({ ...config, tokenStore: store, pacing: false });
    expect((await client.store.get()).mall_id).toBe('mall1');
    const before = await tokenEvents(s, clientId);
    s.clock.advance(7200_000 + 1000);
    const results = await Promise.all(Array.from({ length: 20 }, () => client.store.get()));
    expect(results.map((r) => r.mall_id)).toEqual(Array(20).fill('mall1'));
    const after = await tokenEvents(s, clientId);
    expect(after.refreshes - before.refreshes).toBe(1);
    expect(after.reuse).toBe(0);
    const stored = (await store.get())!;
    expect(stored.refreshToken).not.toBe(tokens.refreshToken);
    expect(await introspect(app, stored.refreshToken!)).toMatchObject({ active: true });
  }, 60_000);
});

describe('the rotated refresh token is stored before the new access token is used', () => {
  it('set(new tokens) comes before the first call with the new access token', async () => {
    const events: string[] = [];
    const inner = new MemoryTokenStore(await login());
    const store: TokenStore = {
      get: () => inner.get(),
      set: async (t) => {
        events.push(`set ${t.accessToken}`);
        await inner.set(t);
      },
      clear: () => inner.clear(),
      withLock: (fn) => inner.withLock(fn),
    };
    // fetch is observed, not replaced: the calls go to the server.
    const observed: typeof fetch = (input, init) => {
      const auth = new Headers(init?.headers).get('authorization') ?? '';
      if (auth.startsWith('Bearer ')) events.push(`call ${auth.slice(7)}`);
      return fetch(input, init);
    };
    const client = new ShopClient({ ...app, fetch: observed, tokenStore: store, pacing: false });
    s.clock.advance(7200_000);
    await Promise.all([client.store.get(), client.store.get()]);
    const next = (await inner.get())!.accessToken;
    expect(events).toEqual([`set ${next}`, `call ${next}`, `call ${next}`]);
  });
});

describe('pacing to X-Api-Call-Limit', () => {
  let shop: Awaited<ReturnType<typeof startShop>>;
  let tokens: TokenSet;
  beforeAll(async () => {
    // A small bucket: 5 calls, drained 1 per second.
    shop = await startShop({ rateLimit: '5/1' });
    const config = { ...shop.app, now: () => shop.s.clock.now() };
    const pending = authorizationUrl({ ...config, redirectUri: CALLBACK, scopes: SCOPES });
    const { code } = handleCallback(await consent(pending.url), pending);
    tokens = await exchangeCode(config, { code, redirectUri: CALLBACK, codeVerifier: pending.codeVerifier });
  });
  afterAll(() => shop.s.close());

  /**
   * The pacer waits on the server's clock: its sleep moves the ManualClock. Time passes after the
   * calls already sent have landed (a wait is long next to a loopback round trip), as it does on a
   * real clock; moving the clock at once would stack every waiting call on the same instant.
   */
  const clientWith = (pacing: boolean) => {
    const inflight = new Set<Promise<unknown>>();
    const tracked: typeof fetch = (input, init) => {
      const p = fetch(input, init);
      inflight.add(p);
      void p.finally(() => inflight.delete(p)).catch(() => undefined);
      return p;
    };
    return new ShopClient({
      ...shop.app,
      fetch: tracked,
      now: () => shop.s.clock.now(),
      tokenStore: new MemoryTokenStore(tokens),
      retry: { retries: 0 },
      pacing: pacing ? { perSecond: 1 } : false,
      sleep: async (ms) => {
        await Promise.allSettled([...inflight]);
        shop.s.clock.advance(ms);
      },
    });
  };

  it('a burst of 100 calls gets no 429', async () => {
    shop.s.clock.advance(10_000); // an empty bucket
    const started = shop.s.clock.now();
    const client = clientWith(true);
    const statuses = await Promise.all(Array.from({ length: 100 }, () => client.request('GET', '/api/v2/admin/store').then((r) => r.status)));
    expect(statuses).toEqual(Array(100).fill(200));
    // 5 at once, then one per drained second: at least 95 s of (manual) waiting, not much more.
    const waited = shop.s.clock.now() - started;
    expect(waited).toBeGreaterThanOrEqual(95_000);
    expect(waited).toBeLessThan(110_000);
  }, 120_000);

  it('without pacing, the same burst is refused (429 with Retry-After)', async () => {
    shop.s.clock.advance(10_000);
    const client = clientWith(false);
    const outcomes = await Promise.all(Array.from({ length: 100 }, () => client.request('GET', '/api/v2/admin/store').then(() => 200, (e: ApiError) => e)));
    const refused = outcomes.filter((o): o is ApiError => o !== 200);
    expect(refused.length).toBeGreaterThanOrEqual(90);
    expect(refused[0]).toMatchObject({ code: 'ERR_RATE_LIMITED', status: 429, retryAfterSeconds: expect.any(Number) });
  }, 120_000);

  it('without pacing but with retries, 429s are retried no sooner than Retry-After, and every call succeeds', async () => {
    shop.s.clock.advance(10_000);
    const waits: number[] = [];
    const client = new ShopClient({
      ...shop.app,
      now: () => shop.s.clock.now(),
      tokenStore: new MemoryTokenStore(tokens),
      pacing: false,
      retry: { retries: 200, baseDelayMs: 100, maxDelayMs: 5000 },
      sleep: async (ms) => {
        waits.push(ms);
        shop.s.clock.advance(ms);
      },
    });
    const statuses = await Promise.all(Array.from({ length: 20 }, () => client.request('GET', '/api/v2/admin/store').then((r) => r.status)));
    expect(statuses).toEqual(Array(20).fill(200));
    expect(waits.length).toBeGreaterThanOrEqual(15);
    // shopauth says Retry-After: 1 (or more) on each 429: no retry came sooner.
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(1000);
    expect(Math.max(...waits)).toBeLessThanOrEqual(5000);
  }, 120_000);
});

describe('verifyLaunch of the App URL launch the server signs', () => {
  it('verifies a console launch; refuses it tampered, re-signed with another secret, or stale', async () => {
    const browser = new Browser();
    await login(app, browser); // installs the app; the browser holds the operator's session
    const res = await browser.get(`${s.url}/malls/mall1/console/apps/${clientId}/launch?lang=en_US`);
    expect(res.status).toBe(302);
    const location = res.headers.get('location')!;
    expect(location.startsWith('https://app.example/?')).toBe(true);
    const now = () => s.clock.now();

    const launch = verifyLaunch(location, clientSecret, { maxAgeSeconds: 300, now });
    expect(launch).toMatchObject({ mall_id: 'mall1', user_id: 'boss', user_name: 'Boss', user_type: 'P', lang: 'en_US', shop_no: '1', timestamp: Math.floor(now() / 1000) });
    expect(verifyLaunch(new URL(location).search, clientSecret, { now }).user_id).toBe('boss');

    const invalid = expect.objectContaining({ code: 'ERR_LAUNCH_INVALID' });
    expect(() => verifyLaunch(location.replace('user_id=boss', 'user_id=helper'), clientSecret, { now })).toThrow(invalid);
    expect(() => verifyLaunch(location.replace('user_type=P', 'user_type=A'), clientSecret, { now })).toThrow(LaunchError);
    expect(() => verifyLaunch(location, `${clientSecret}x`, { now })).toThrow(invalid);
    expect(() => verifyLaunch(location.replace(/&hmac=.*/, ''), clientSecret, { now })).toThrow(invalid);

    s.clock.advance(301_000);
    expect(() => verifyLaunch(location, clientSecret, { maxAgeSeconds: 300, now })).toThrow(expect.objectContaining({ code: 'ERR_LAUNCH_STALE' }));
    expect(verifyLaunch(location, clientSecret, { maxAgeSeconds: 600, now }).user_id).toBe('boss');
  }, 60_000);
});
