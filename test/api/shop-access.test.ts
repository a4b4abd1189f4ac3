import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { seedMall } from '../support/fixtures.js';
import { expectRefusal } from '../support/oauth.js';
import { startServer, type TestServer } from '../support/server.js';
import { adminApi, apiError, tokenFor } from './helpers.js';

/**
 * Who may call the Admin API and how often (wire.md, Admin API): scopes, 401s, cross-mall
 * isolation, grant revocation, X-Cafe24-Api-Version, the leaky bucket and its headers.
 */
const product = (name: string) => ({
  customProductCode: '', productName: name, engProductName: '', modelName: '', price: 100, retailPrice: 0, supplyPrice: 0,
  display: 'T' as const, selling: 'T' as const, summaryDescription: '', stockQuantity: 1,
});

describe('scopes, tokens and tenants', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ config: { rateLimit: null, mallDomain: 'shops.test' } });
    await seedMall(s, 'mall1');
    await seedMall(s, 'mall2');
    await s.store.shop.products.create('mall1', [product('Mall one mug')], s.clock.now());
    await s.store.shop.products.create('mall2', [product('Mall two secret')], s.clock.now());
  });
  afterAll(() => s.close());

  test('a token without the scope: 403 insufficient_scope naming it, RFC 6750 challenge', async () => {
    const { token } = await tokenFor(s, 'mall1', { scopes: ['mall.read_product'] });
    const api = adminApi(s, 'mall1', token);
    expect((await api.get('/products')).status).toBe(200);
    for (const [call, scope] of [
      [() => api.post('/products', { request: { product_name: 'x', price: '1' } }), 'mall.write_product'],
      [() => api.put('/products/1', { request: { price: '1' } }), 'mall.write_product'],
      [() => api.delete('/products/1'), 'mall.write_product'],
      [() => api.get('/orders'), 'mall.read_order'],
      [() => api.post('/orders', {}), 'mall.write_order'],
      [() => api.get('/customers'), 'mall.read_customer'],
      [() => api.get('/store'), 'mall.read_store'],
    ] as const) {
      const r = await call();
      expect(r).toMatchObject({ status: 403, body: apiError(403, `this call needs the scope ${scope}`) });
      expect(r.headers.get('www-authenticate')).toBe(`Bearer realm="shopauth", error="insufficient_scope", scope="${scope}"`);
    }
    expect((await api.get('/products/count')).body).toEqual({ count: 1 });
  });

  test('401 for a missing, malformed, unknown or expired token, before any validation', async () => {
    const none = await adminApi(s, 'mall1', null).get('/products?limit=999');
    expect(none).toMatchObject({ status: 401, body: apiError(401, 'an access token is required') });
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="shopauth"');
    const unknown = await adminApi(s, 'mall1', 'not-a-real-token').post('/products', { nonsense: true });
    expect(unknown).toMatchObject({ status: 401, body: apiError(401, 'the access token is invalid') });
    expect(unknown.headers.get('www-authenticate')).toBe('Bearer realm="shopauth", error="invalid_token"');
    const basicAuth = await fetch(`${s.mallUrl('mall1')}/api/v2/admin/products`, { headers: { authorization: 'Token abc' } });
    expect(basicAuth.status).toBe(401);
    expect(await basicAuth.json()).toEqual(apiError(401, 'the Authorization header must be: Bearer {access_token}'));
    const { token } = await tokenFor(s, 'mall1');
    s.clock.advance(2 * 3600_000 + 1);
    const expired = await adminApi(s, 'mall1', token).get('/products');
    expect(expired).toMatchObject({ status: 401, body: apiError(401, 'the access token has expired') });
    expect(expired.headers.get('x-api-call-limit')).toBeNull();
  });

  test('a token of one mall never reads another\'s data', async () => {
    const one = await tokenFor(s, 'mall1');
    const two = await tokenFor(s, 'mall2');
    expect((await adminApi(s, 'mall1', one.token).get('/products/1')).body.product.product_name).toBe('Mall one mug');
    expect((await adminApi(s, 'mall2', two.token).get('/products/1')).body.product.product_name).toBe('Mall two secret');
    for (const path of ['/products/1', '/products', '/products/count', '/orders', '/customers', '/store']) {
      expect(await adminApi(s, 'mall2', one.token).get(path)).toMatchObject({ status: 401, body: apiError(401, 'the access token is invalid') });
    }
    expect(await adminApi(s, 'mall2', one.token).delete('/products/1')).toMatchObject({ status: 401 });
    expect((await adminApi(s, 'mall2', two.token).get('/products/count')).body).toEqual({ count: 1 });
    expect(await adminApi(s, 'nomall', one.token).get('/products')).toMatchObject({ status: 404, body: apiError(404, 'no such mall') });
  });

  test('a revoked grant, or a revoked app, is refused at the very next call: 403, the app is uninstalled (wire.md)', async () => {
    const { token, clientId } = await tokenFor(s, 'mall1');
    const api = adminApi(s, 'mall1', token);
    expect((await api.get('/store')).status).toBe(200);
    const grant = (await s.store.grants.list('mall1')).find((g) => g.clientId === clientId)!;
    expect(await s.store.grants.revoke(grant.grantId, s.clock.now())).toBe(true);
    const uninstalled = await api.get('/store');
    expect(uninstalled).toMatchObject({ status: 403, body: apiError(403, 'the app is no longer installed in this mall') });
    expect(uninstalled.headers.get('www-authenticate')).toBeNull();

    const other = await tokenFor(s, 'mall1');
    expect((await adminApi(s, 'mall1', other.token).get('/store')).status).toBe(200);
    await s.store.apps.revoke(other.clientId, s.clock.now());
    expect(await adminApi(s, 'mall1', other.token).get('/store')).toMatchObject({ status: 403, body: apiError(403, 'the app is no longer installed in this mall') });

    // A token the app revoked itself (RFC 7009) is just invalid: 401.
    const third = await tokenFor(s, 'mall1');
    const record = await s.store.tokens.get(s.ctx.hasher.hash(third.token));
    await s.store.tokens.revokeFamily(record!.familyId, s.clock.now());
    expect(await adminApi(s, 'mall1', third.token).get('/store')).toMatchObject({ status: 401, body: apiError(401, 'the access token has been revoked') });
  });

  test('the products page (the hot read, compiled once) checks the token on every call: revoked, the very next read is 401', async () => {
    const { token } = await tokenFor(s, 'mall1', { scopes: ['mall.read_product'] });
    const api = adminApi(s, 'mall1', token);
    for (let i = 0; i < 3; i++) expect((await api.get('/products?limit=10')).status).toBe(200);
    const record = await s.store.tokens.get(s.ctx.hasher.hash(token));
    await s.store.tokens.revokeFamily(record!.familyId, s.clock.now());
    expect(await api.get('/products?limit=10')).toMatchObject({ status: 401, body: apiError(401, 'the access token has been revoked') });
  });

  test('host form: {mall_id}.{mall domain} serves the same API', async () => {
    const { token } = await tokenFor(s, 'mall1');
    const port = new URL(s.url).port;
    const r = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/api/v2/admin/products?fields=product_name', headers: { host: 'mall1.shops.test', authorization: `Bearer ${token}` } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(r).toEqual({ status: 200, body: '{"products":[{"product_name":"Mall one mug"}]}' });
  });
});

describe('X-Cafe24-Api-Version', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ config: { rateLimit: null, apiVersions: ['2024-06-01', '2025-03-01'] } });
    await seedMall(s, 'mall1');
  });
  afterAll(() => s.close());

  test('absent: the app\'s configured version; known: echoed; expired: the oldest still valid; else 400 or 422', async () => {
    const { token } = await tokenFor(s, 'mall1');
    const api = adminApi(s, 'mall1', token);
    expect((await api.get('/store')).headers.get('x-cafe24-api-version')).toBe('2025-12-01');
    expect((await api.get('/store', { 'x-cafe24-api-version': '2024-06-01' })).headers.get('x-cafe24-api-version')).toBe('2024-06-01');
    expect((await api.get('/store', { 'x-cafe24-api-version': '2025-12-01' })).headers.get('x-cafe24-api-version')).toBe('2025-12-01');
    // Older than every supported version: expired, so the oldest still valid answers (as Cafe24 does).
    const expired = await api.get('/store', { 'x-cafe24-api-version': '2023-01-01' });
    expect(expired.status).toBe(200);
    expect(expired.headers.get('x-cafe24-api-version')).toBe('2024-06-01');
    // Between or after the supported versions: no such version.
    for (const v of ['2025-01-01', '2026-06-01']) {
      expect(await api.get('/store', { 'x-cafe24-api-version': v })).toMatchObject({ status: 400, body: apiError(400, `X-Cafe24-Api-Version ${v} is not supported; supported versions: 2025-12-01, 2025-03-01, 2024-06-01`) });
    }
    for (const bad of ['latest', '2025-13-01', '20251201']) {
      expect(await api.get('/store', { 'x-cafe24-api-version': bad })).toMatchObject({ status: 422, body: apiError(422, 'X-Cafe24-Api-Version must be a date YYYY-MM-DD') });
    }

    // A 403 (missing scope) echoes the version too.
    const narrow = await tokenFor(s, 'mall1', { scopes: ['mall.read_store'] });
    const forbidden = await adminApi(s, 'mall1', narrow.token).get('/customers', { 'x-cafe24-api-version': '2024-06-01' });
    expect(forbidden).toMatchObject({ status: 403, body: apiError(403, 'this call needs the scope mall.read_customer') });
    expect(forbidden.headers.get('x-cafe24-api-version')).toBe('2024-06-01');

    // An app configured for an older version gets it when it sends none.
    const pinned = await tokenFor(s, 'mall1');
    await s.store.db.updateTable('apps').set({ api_version: '2025-03-01' }).where('client_id', '=', pinned.clientId).execute();
    const pinnedApi = adminApi(s, 'mall1', pinned.token);
    expect((await pinnedApi.get('/store')).headers.get('x-cafe24-api-version')).toBe('2025-03-01');
    expect((await pinnedApi.get('/store', { 'x-cafe24-api-version': '2025-12-01' })).headers.get('x-cafe24-api-version')).toBe('2025-12-01');
    // An app configured for an expired version gets the oldest still valid; for a version that
    // never existed here (between two supported ones), the current one.
    const stale = await tokenFor(s, 'mall1');
    await s.store.db.updateTable('apps').set({ api_version: '2020-01-01' }).where('client_id', '=', stale.clientId).execute();
    expect((await adminApi(s, 'mall1', stale.token).get('/store')).headers.get('x-cafe24-api-version')).toBe('2024-06-01');
    const odd = await tokenFor(s, 'mall1');
    await s.store.db.updateTable('apps').set({ api_version: '2025-01-01' }).where('client_id', '=', odd.clientId).execute();
    expect((await adminApi(s, 'mall1', odd.token).get('/store')).headers.get('x-cafe24-api-version')).toBe('2025-12-01');
  });
});

describe('rate limit: a leaky bucket per (mall, app)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(); // the default: 40 calls, drained 2 per second
    await seedMall(s, 'mall1');
    await seedMall(s, 'mall2');
  });
  afterAll(() => s.close());

  test('40 calls fit; the 41st within the second is 429 with Retry-After; the bucket drains 2 per second', async () => {
    const { token } = await tokenFor(s, 'mall1');
    const api = adminApi(s, 'mall1', token);
    for (let i = 1; i <= 40; i++) {
      const r = await api.get('/store');
      expect(r.status).toBe(200);
      expect(r.headers.get('x-api-call-limit')).toBe(`${i}/40`);
    }
    const over = await api.get('/store');
    expect(over).toMatchObject({ status: 429, body: apiError(429, 'too many calls: the limit is 40 calls, drained 2 per second; retry after 1 s') });
    expect(over.headers.get('retry-after')).toBe('1');
    expect(over.headers.get('x-api-call-limit')).toBe('40/40');
    expect(over.headers.get('x-cafe24-api-version')).toBe('2025-12-01'); // every answer echoes the version in force
    // A refused call pours nothing: half a second later one call fits.
    s.clock.advance(500);
    const after = await api.get('/store');
    expect(after.status).toBe(200);
    expect(after.headers.get('x-api-call-limit')).toBe('40/40');
    s.clock.advance(10_000);
    expect((await api.get('/store')).headers.get('x-api-call-limit')).toBe('21/40');
    // Every answer counts and carries the header: a 404, a 422, a 403.
    expect((await api.get('/products/9')).headers.get('x-api-call-limit')).toBe('22/40');
    expect((await api.get('/products?limit=0')).headers.get('x-api-call-limit')).toBe('23/40');
  });

  test('buckets are per app and per mall', async () => {
    const a = await tokenFor(s, 'mall1');
    const b = await tokenFor(s, 'mall1');
    for (let i = 0; i < 5; i++) await adminApi(s, 'mall1', a.token).get('/store');
    expect((await adminApi(s, 'mall1', b.token).get('/store')).headers.get('x-api-call-limit')).toBe('1/40');
    expect((await adminApi(s, 'mall1', a.token).get('/store')).headers.get('x-api-call-limit')).toBe('6/40');
  });

  test('per app: its own size and rate, or "off" with no header at all', async () => {
    const small = await tokenFor(s, 'mall1', { rateLimit: '3/1' });
    const api = adminApi(s, 'mall1', small.token);
    expect((await api.get('/store')).headers.get('x-api-call-limit')).toBe('1/3');
    await api.get('/store');
    await api.get('/store');
    const over = await api.get('/store');
    await expectRefusal(over, 429, apiError(429, 'too many calls: the limit is 3 calls, drained 1 per second; retry after 1 s'), { 'x-api-call-limit': '3/3', 'retry-after': '1' });

    const off = await tokenFor(s, 'mall1', { rateLimit: 'off' });
    for (let i = 0; i < 60; i++) {
      const r = await adminApi(s, 'mall1', off.token).get('/store');
      expect(r.status).toBe(200);
      expect(r.headers.get('x-api-call-limit')).toBeNull();
    }
  });

  test('server-wide setting: a smaller bucket, or none', async () => {
    const tight = await startServer({ config: { rateLimit: { size: 2, perSecond: 0.5 } } });
    const none = await startServer({ config: { rateLimit: null } });
    try {
      await seedMall(tight, 'mall1');
      const api = adminApi(tight, 'mall1', (await tokenFor(tight, 'mall1')).token);
      expect((await api.get('/store')).headers.get('x-api-call-limit')).toBe('1/2');
      expect((await api.get('/store')).headers.get('x-api-call-limit')).toBe('2/2');
      const over = await api.get('/store');
      await expectRefusal(over, 429, apiError(429, 'too many calls: the limit is 2 calls, drained 0.5 per second; retry after 2 s'), { 'retry-after': '2' });
      await seedMall(none, 'mall1');
      const free = await adminApi(none, 'mall1', (await tokenFor(none, 'mall1')).token).get('/store');
      expect(free.status).toBe(200);
      expect(free.headers.get('x-api-call-limit')).toBeNull();
    } finally {
      await tight.close();
      await none.close();
    }
  });
});

describe('rate limit shared by two instances through Redis', () => {
  test('Redis unreachable: 503 with Retry-After, never an unlimited API or a 500', async () => {
    // Sign-in fails closed too without Redis (docs/operations.md): the token comes from a server
    // without Redis on the same database file; the API call goes to one whose Redis is down.
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const db = join(mkdtempSync(join(tmpdir(), 'shopauth-noredis-')), 'shop.db');
    const healthy = await startServer({ db, config: { secret: 'shared-secret' } });
    await seedMall(healthy, 'mall1');
    const { token } = await tokenFor(healthy, 'mall1');
    await healthy.close();
    const s = await startServer({ db, config: { redisUrl: 'redis://127.0.0.1:1', secret: 'shared-secret' } });
    try {
      const r = await adminApi(s, 'mall1', token).get('/store');
      expect(r).toMatchObject({ status: 503, body: apiError(503, 'the rate limiter is unavailable; retry shortly') });
      expect(r.headers.get('retry-after')).toBe('1');
    } finally {
      await s.close();
    }
  });

  test('calls spread over two servers fill one bucket', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'shopauth-redis-'));
    const db = join(dir, 'shared.db');
    const redisUrl = process.env.SHOPAUTH_TEST_REDIS ?? 'redis://127.0.0.1:6379';
    const first = await startServer({ db, config: { redisUrl, secret: 'shared-secret' } });
    const second = await startServer({ db, config: { redisUrl, secret: 'shared-secret' }, clock: first.clock, keyPrefix: first.keyPrefix });
    try {
      await seedMall(first, 'mall1');
      const { token } = await tokenFor(first, 'mall1');
      for (let i = 1; i <= 40; i++) {
        const r = await adminApi(i % 2 ? first : second, 'mall1', token).get('/store');
        expect(r.status).toBe(200);
        expect(r.headers.get('x-api-call-limit')).toBe(`${i}/40`);
      }
      const over = await adminApi(second, 'mall1', token).get('/store');
      await expectRefusal(over, 429, apiError(429, 'too many calls: the limit is 40 calls, drained 2 per second; retry after 1 s'), { 'retry-after': '1' });
      first.clock.advance(1000);
      expect((await adminApi(first, 'mall1', token).get('/store')).headers.get('x-api-call-limit')).toBe('39/40');
    } finally {
      await second.close();
      await first.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
