import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, OAuthResponseError, PodClient, ShopClient, MemoryTokenStore } from '../../src/client/index.js';
import { seedSampleData } from '../../src/api/sample-data.js';
import { seedCredentials } from '../podshop/support.js';
import { seedMall } from '../support/fixtures.js';
import { startServer, type TestServer } from '../support/server.js';
import { issuedByGrant } from './support.js';

let s: TestServer;
let creds: { clientId: string; clientKey: string };

beforeAll(async () => {
  s = await startServer();
  await seedMall(s, 'mall1');
  await seedSampleData(s, (await s.store.malls.get('mall1'))!, { counts: { products: 2, customers: 1, orders: 1 } });
  creds = await seedCredentials(s, 'mall1');
});
afterAll(() => s.close());

const podEvents = async () => {
  const issued = await issuedByGrant(s, creds.clientId);
  return { issued: issued.pod_shop_credentials ?? 0, refreshed: issued.pod_shop_refresh ?? 0 };
};

describe('PodClient against shopauth', () => {
  it('Basic: calls with the key itself, the total from x-total-count; a wrong key is a 401 ApiError', async () => {
    const pod = new PodClient({ base: s.url, ...creds, auth: 'basic', pacing: false });
    const page = await pod.orders.list({ pageNo: 0, pageSize: 10 });
    expect(page.total).toBe(1); // the sample order
    expect(page.orders).toHaveLength(1);
    const wrong = new PodClient({ base: s.url, clientId: creds.clientId, clientKey: 'not-the-key', auth: 'basic', pacing: false });
    const error = await wrong.orders.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 401, body: { status: 401, error: 'Unauthorized' } });
    expect(await podEvents()).toEqual({ issued: 0, refreshed: 0 });
  });

  it('bearer: one token for 20 concurrent calls, one refresh for 20 more after it expires', async () => {
    const pod = new PodClient({ base: s.url, ...creds, pacing: false, now: () => s.clock.now() });
    const first = await Promise.all(Array.from({ length: 20 }, () => pod.orders.list()));
    expect(first.map((r) => r.total)).toEqual(Array(20).fill(1));
    expect(await podEvents()).toEqual({ issued: 1, refreshed: 0 });
    s.clock.advance(3600_000);
    await Promise.all(Array.from({ length: 20 }, () => pod.orders.list()));
    expect(await podEvents()).toEqual({ issued: 1, refreshed: 1 });
  });

  it('bearer, the expiry unknown to the client: the 401 tokenHasExpired gets one refresh', async () => {
    const pod = new PodClient({ base: s.url, ...creds, pacing: false });
    await pod.orders.list();
    const before = await podEvents();
    s.clock.advance(3600_000);
    await Promise.all(Array.from({ length: 20 }, () => pod.orders.list()));
    expect(await podEvents()).toEqual({ issued: before.issued, refreshed: before.refreshed + 1 });
  });

  it('creates orders and walks every page of them', async () => {
    const pod = new PodClient({ base: s.url, ...creds, pacing: false });
    const before = (await pod.orders.list()).total;
    const input = (n: number) => ({
      orderCode: `SDK-${n}`,
      orderEntries: [{ projectId: 1, quantity: 1 }],
      shippingAddress: { recipient: 'Kim', postcode: '04524', address: 'Sejong-daero 110', phoneNumber: '010-0000-0000' },
    });
    const created = await pod.orders.create([1, 2, 3].map(input));
    expect(created.map((o) => o.orderCode)).toEqual(['SDK-1', 'SDK-2', 'SDK-3']);
    const codes: (string | null)[] = [];
    for await (const order of pod.orders.all(2)) codes.push(order.orderCode);
    expect(codes).toHaveLength(before + 3);
    expect(codes).toEqual(expect.arrayContaining(['SDK-1', 'SDK-2', 'SDK-3']));
  });

  it('bearer with a wrong key: the token endpoint refuses it (OAuthResponseError 401)', async () => {
    const pod = new PodClient({ base: s.url, clientId: creds.clientId, clientKey: 'not-the-key', pacing: false });
    await expect(pod.orders.list()).rejects.toMatchObject({ constructor: OAuthResponseError, status: 401 });
  });
});

/**
 * 401s shopauth never gives a live token: a platform answering them (a loopback node:http server
 * in the platforms' shapes) shows the clients get a new token only when the 401 is about the token.
 */
describe('which 401s are worth a new token', () => {
  let upstream: Server;
  let base: string;
  const hits: string[] = [];
  let answer401: { headers: Record<string, string>; body: unknown } = { headers: {}, body: {} };
  let tokens = 0;
  let unavailable = 0;
  let busy = 0;
  const FIXED_NOW = Date.parse('2026-03-01T03:00:00Z');

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      hits.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
      const json = (status: number, body: unknown, headers: Record<string, string> = {}) => res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
      if (req.url?.startsWith('/ac/oauth/ext/token')) return json(200, { access_token: `t${++tokens}`, token_type: 'bearer', expires_in: 3599, refresh_token: `r${tokens}`, refresh_expires_in: 1209599 });
      if (req.url?.endsWith('/api/v2/oauth/token')) return json(200, { access_token: `t${++tokens}`, token_type: 'Bearer', expires_in: 7200, refresh_token: `r${tokens}` });
      if (req.url?.startsWith('/busy') && busy-- > 0) return json(429, { errorKey: 'tooManyRequests', status: 429 }, { 'retry-after': new Date(FIXED_NOW + 3000).toUTCString() });
      if (req.url?.startsWith('/unavailable') && unavailable-- > 0) return json(503, { errorKey: 'serviceUnavailable', status: 503 }, { 'retry-after': '2' });
      // The first token is answered with the 401 under test; later tokens are fine.
      if (req.headers.authorization?.toLowerCase() === 'bearer t1') return json(401, answer401.body, answer401.headers);
      return json(200, req.url?.startsWith('/ac/') ? [] : { store: { mall_id: 'm' } }, { 'x-total-count': '0' });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => upstream.close(resolve)));

  const podRun = async (status401: { headers?: Record<string, string>; body: unknown }) => {
    hits.length = 0;
    tokens = 0;
    answer401 = { headers: status401.headers ?? {}, body: status401.body };
    const pod = new PodClient({ base, clientId: 'id', clientKey: 'key', pacing: false });
    const outcome = await pod.orders.list().then((r) => r.total, (e: ApiError) => e.status);
    return { outcome, tokenCalls: hits.filter((h) => h.includes('/oauth/')).length };
  };

  it.each([
    ['this token does not exist', { body: { status: 401, error: 'this token does not exist' } }],
    ['This token has expired', { body: { status: 401, error: 'This token has expired' } }],
    ['tokenHasExpired', { body: { errorKey: 'tokenHasExpired', title: 'Jwt Invalid', status: 401, detail: 'this token has expired.' } }],
    ['a Bearer invalid_token challenge', { headers: { 'www-authenticate': 'Bearer realm="x", error="invalid_token"' }, body: { status: 401, error: 'x' } }],
  ])('POD Shop %s: one new token, the call retried', async (_why, answer) => {
    expect(await podRun(answer)).toEqual({ outcome: 0, tokenCalls: 2 });
  });

  it('503 is retried after Retry-After (with jitter), then answered; past the retries it is a RateLimitedError', async () => {
    const waits: number[] = [];
    const pod = new PodClient({ base, clientId: 'id', clientKey: 'key', auth: 'basic', pacing: false, retry: { retries: 2 }, sleep: async (ms) => void waits.push(ms) });
    unavailable = 2;
    expect((await pod.request('GET', '/unavailable')).status).toBe(200);
    expect(waits).toHaveLength(2);
    for (const ms of waits) expect(ms).toBeGreaterThanOrEqual(2000);
    for (const ms of waits) expect(ms).toBeLessThan(2500);
    unavailable = 3;
    const error = await pod.request('GET', '/unavailable').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_RATE_LIMITED', status: 503, retryAfterSeconds: 2 });
  });

  it('429 with Retry-After as an HTTP date waits until that date (on the client\'s clock)', async () => {
    const waits: number[] = [];
    const pod = new PodClient({ base, clientId: 'id', clientKey: 'key', auth: 'basic', pacing: false, now: () => FIXED_NOW, sleep: async (ms) => void waits.push(ms) });
    busy = 1;
    expect((await pod.request('GET', '/busy')).status).toBe(200);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThanOrEqual(3000);
    expect(waits[0]).toBeLessThan(3500);
  });

  it.each([
    ['Unauthorized (bad credentials)', { body: { status: 401, error: 'Unauthorized' } }],
    ['a Basic challenge', { headers: { 'www-authenticate': 'Basic realm="x"' }, body: { status: 401, error: 'Unauthorized' } }],
    ['a Bearer challenge without invalid_token', { headers: { 'www-authenticate': 'Bearer realm="x"' }, body: { status: 401, error: 'this token does not exist' } }],
  ])('POD Shop %s: no new token, the 401 is the answer', async (_why, answer) => {
    expect(await podRun(answer)).toEqual({ outcome: 401, tokenCalls: 1 });
  });

  it.each([
    ['Cafe24 "(invalid_token)" without a challenge', {}, { error: { code: 401, message: 'access_token time expired. (invalid_token)' } }, 1, 'm'],
    ['an unknown client', {}, { error: { code: 401, message: 'unknown client' } }, 0, 401],
    ['a Bearer challenge of another error', { 'www-authenticate': 'Bearer error="invalid_request"' }, { error: { code: 401, message: 'x' } }, 0, 401],
  ])('ShopClient, %s', async (_why, headers, body, refreshes, outcome) => {
    hits.length = 0;
    tokens = 1;
    answer401 = { headers, body };
    const client = new ShopClient({ base, mallId: 'm', clientId: 'id', clientSecret: 'secret', pacing: false,
      tokenStore: new MemoryTokenStore({ accessToken: 't1', tokenType: 'Bearer', expiresAt: null, refreshToken: 'r1', scopes: [] }) });
    const result = await client.store.get().then((st) => st.mall_id, (e: ApiError) => e.status);
    expect({ result, refreshes: hits.filter((h) => h.includes('/oauth/token')).length }).toEqual({ result: outcome, refreshes });
  });
});
