import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createOrders } from '../../src/api/orders.js';
import type { ProductInput } from '../../src/store/shop-types.js';
import { authorizeCode } from '../support/browser.js';
import { basic, REDIRECT_URI, seedApp, seedMall } from '../support/fixtures.js';
import { startServer, type TestServer } from '../support/server.js';
import { post, seedCredentials, type PodTokens } from './support.js';

/**
 * `POST|GET /ac/api/external/orders` (wire.md, POD Shop Orders) on the mall's shop orders, the
 * same the Cafe24-style `/api/v2/admin/orders` serves; Basic or bearer of either dialect.
 */
let s: TestServer;
let creds: { clientId: string; clientKey: string };
let auth: string;
let mug: number;
let shirt: number;
/** mall3: no sample data, one product, one customer ("vip"); its own credentials. */
let auth3: string;
let cap: number;

const product = (name: string, price: number): ProductInput => ({
  customProductCode: '', productName: name, engProductName: '', modelName: '', price, retailPrice: 0, supplyPrice: 0,
  display: 'T', selling: 'T', summaryDescription: '', stockQuantity: 10,
});

const order = (orderCode: string, overrides: Record<string, unknown> = {}) => ({
  orderCode,
  storeCustomerId: 'member1',
  orderEntries: [{ projectId: mug, quantity: 2, productSellPrice: 15000 }, { projectId: shirt, quantity: 1, productSellPrice: 29900.5 }],
  shippingAddress: { recipient: 'Kim', postcode: '06236', address: 'Teheran-ro 1', addressDetail: '2F', phoneNumber: '010-1234-5678', nationCode: 'KR' },
  ...overrides,
});

const order3 = (orderCode: string) => ({
  orderCode,
  orderEntries: [{ projectId: cap, quantity: 1 }],
  shippingAddress: { recipient: 'Park', postcode: '04524', address: 'Sejong-daero 110' },
});

const ordersUrl = () => `${s.url}/ac/api/external/orders`;
const list = (query = '', authorization = auth) => fetch(`${ordersUrl()}${query}`, { headers: { authorization } });
const count = async () => Number((await list()).headers.get('x-total-count'));

beforeAll(async () => {
  s = await startServer();
  await seedMall(s, 'mall1');
  await seedMall(s, 'mall2');
  const made = await s.store.shop.products.create('mall1', [product('Mug', 1_200_000), product('Shirt', 3_000_000)], s.clock.now());
  [mug, shirt] = made.map((p) => p.productNo) as [number, number];
  await s.store.shop.products.create('mall2', [product('Other', 100), product('Other', 100), product('Other', 100)], s.clock.now());
  await s.store.shop.customers.create('mall1', [{
    memberId: 'member1', name: 'Member', email: 'm@example.com', cellphone: '', gender: null, birthday: null, groupNo: 1, sms: 'F', newsMail: 'F', createdAt: s.clock.now(),
  }]);
  creds = await seedCredentials(s, 'mall1');
  auth = basic(creds.clientId, creds.clientKey);
  await seedMall(s, 'mall3');
  [cap] = (await s.store.shop.products.create('mall3', [product('Cap', 500_000)], s.clock.now())).map((p) => p.productNo) as [number];
  await s.store.shop.customers.create('mall3', [{
    memberId: 'vip', name: 'Vip', email: 'v@example.com', cellphone: '', gender: null, birthday: null, groupNo: 1, sms: 'F', newsMail: 'F', createdAt: s.clock.now(),
  }]);
  const c3 = await seedCredentials(s, 'mall3');
  auth3 = basic(c3.clientId, c3.clientKey);
});
afterAll(() => s.close());

describe('POST /ac/api/external/orders', () => {
  test('creates the orders of the body (Basic), answering them in POD Shop\'s names; the Cafe24-style API sees them', async () => {
    const res = await post(ordersUrl(), auth, { json: { orders: [order('POD-1'), order('POD-2', { storeCustomerId: null })] } });
    expect(res.status).toBe(200);
    const { orders } = (await res.json()) as { orders: Record<string, unknown>[] };
    expect(orders).toEqual([
      {
        orderCode: 'POD-1',
        orderId: '20260301-0000001',
        storeCustomerId: 'member1',
        orderStatus: 'N00',
        orderedAt: '2026-03-01T12:00:00+09:00',
        currency: 'KRW',
        paymentAmount: 59900.5,
        orderEntries: [
          { projectId: mug, productName: 'Mug', quantity: 2, productSellPrice: 15000 },
          { projectId: shirt, productName: 'Shirt', quantity: 1, productSellPrice: 29900.5 },
        ],
        shippingAddress: { recipient: 'Kim', postcode: '06236', address: 'Teheran-ro 1', addressDetail: '2F', phoneNumber: '010-1234-5678', nationCode: 'KR' },
      },
      expect.objectContaining({ orderCode: 'POD-2', orderId: '20260301-0000002', storeCustomerId: null }),
    ]);

    // The same order through the Cafe24-style Admin API of the mall (an app with mall.read_order).
    const app = await seedApp(s, { scopes: ['mall.read_order'] });
    const code = await authorizeCode(s, { mallId: 'mall1', clientId: app.clientId, scope: 'mall.read_order' });
    const tokenRes = await fetch(`${s.mallUrl('mall1')}/api/v2/oauth/token`, {
      method: 'POST',
      headers: { authorization: basic(app.clientId, app.clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI }).toString(),
    });
    const cafe24 = ((await tokenRes.json()) as { access_token: string }).access_token;
    // Cafe24 embeds an order's items and receivers only when asked (embed=items,receivers).
    const viaCafe24 = await fetch(`${s.mallUrl('mall1')}/api/v2/admin/orders/20260301-0000001?embed=items,receivers`, { headers: { authorization: `Bearer ${cafe24}` } });
    expect(viaCafe24.status).toBe(200);
    expect(await viaCafe24.json()).toMatchObject({
      order: {
        order_id: '20260301-0000001', member_id: 'member1', buyer_name: 'Kim', payment_amount: '59900.50',
        receivers: [{ name: 'Kim', zipcode: '06236', address1: 'Teheran-ro 1', address2: '2F', cellphone: '010-1234-5678', country_code: 'KR' }],
        items: [
          { product_no: mug, quantity: 2, product_price: '15000.00' },
          { product_no: shirt, quantity: 1, product_price: '29900.50' },
        ],
      },
    });
    // And a Cafe24 app's opaque bearer token reads POD Shop's list too (one code path for both dialects).
    const podList = await list('', `bearer ${cafe24}`);
    expect(podList.status).toBe(200);
    expect(podList.headers.get('x-total-count')).toBe('2');
  });

  test.each([
    ['no orders', () => ({}), 'orders', 'must be a non-empty array'],
    ['an unknown product', () => ({ orders: [order('X1', { orderEntries: [{ projectId: 1, quantity: 1 }, { projectId: 999, quantity: 1 }] })] }), 'orders[0].orderEntries[1].projectId', 'product 999 does not exist in this mall'],
    ['a product of another mall only', () => ({ orders: [order('X2', { orderEntries: [{ projectId: 3, quantity: 1 }] })] }), 'orders[0].orderEntries[0].projectId', 'product 3 does not exist in this mall'],
    ['a zero quantity', () => ({ orders: [order('X3', { orderEntries: [{ projectId: 1, quantity: 0 }] })] }), 'orders[0].orderEntries[0].quantity', 'must be an integer from 1 to 9999'],
    ['a negative price', () => ({ orders: [order('X4', { orderEntries: [{ projectId: 1, quantity: 1, productSellPrice: -1 }] })] }), 'orders[0].orderEntries[0].productSellPrice', 'must be a number from 0 with at most two decimals'],
    ['a missing recipient', () => ({ orders: [order('X5', { shippingAddress: { postcode: '1', address: 'a' } })] }), 'orders[0].shippingAddress.recipient', 'is required'],
    ['no shippingAddress', () => ({ orders: [order('X6', { shippingAddress: undefined })] }), 'orders[0].shippingAddress', 'is required (an object)'],
    ['a bad nationCode', () => ({ orders: [order('X7', { shippingAddress: { recipient: 'a', postcode: '1', address: 'a', nationCode: 'Korea' } })] }), 'orders[0].shippingAddress.nationCode', 'must be an ISO 3166-1 alpha-2 code such as KR'],
    ['no orderCode', () => ({ orders: [order('')] }), 'orders[0].orderCode', 'is required'],
    ['an orderCode twice in the batch', () => ({ orders: [order('X8'), order('X8')] }), 'orders[1].orderCode', 'repeats orders[0].orderCode'],
    ['an orderCode already used', () => ({ orders: [order('X9'), order('POD-1')] }), 'orders[1].orderCode', 'is already used by order 20260301-0000001'],
    ['a storeCustomerId with a control character', () => ({ orders: [order('X10'), order('X11', { storeCustomerId: 'cust\u0000' })] }), 'orders[1].storeCustomerId', 'must be a string of printable characters'],
    ['a storeCustomerId with a newline', () => ({ orders: [order('X10', { storeCustomerId: 'a\nb' })] }), 'orders[0].storeCustomerId', 'must be a string of printable characters'],
    ['a storeCustomerId with a C1 control', () => ({ orders: [order('X10', { storeCustomerId: 'a\u0085' })] }), 'orders[0].storeCustomerId', 'must be a string of printable characters'],
    ['a storeCustomerId with an unpaired surrogate', () => ({ orders: [order('X10', { storeCustomerId: 'a\ud800' })] }), 'orders[0].storeCustomerId', 'must be a string of printable characters'],
    ['a numeric storeCustomerId', () => ({ orders: [order('X10', { storeCustomerId: 12345 })] }), 'orders[0].storeCustomerId', 'must be a string of printable characters'],
    ['an object storeCustomerId', () => ({ orders: [order('X10', { storeCustomerId: { id: 'a' } })] }), 'orders[0].storeCustomerId', 'must be a string of printable characters'],
    ['a storeCustomerId of 65 characters', () => ({ orders: [order('X10', { storeCustomerId: 'c'.repeat(65) })] }), 'orders[0].storeCustomerId', 'must be at most 64 characters'],
    ['a projectId that is not a number', () => ({ orders: [order('X15', { orderEntries: [{ projectId: 'mug', quantity: 1 }] })] }), 'orders[0].orderEntries[0].projectId', 'must be an integer from 1 to 999999999'],
    ['a missing quantity', () => ({ orders: [order('X15', { orderEntries: [{ projectId: 1 }] })] }), 'orders[0].orderEntries[0].quantity', 'is required'],
    ['a price with three decimals', () => ({ orders: [order('X15', { orderEntries: [{ projectId: 1, quantity: 1, productSellPrice: 1.234 }] })] }), 'orders[0].orderEntries[0].productSellPrice', 'must be a number from 0 with at most two decimals'],
    ['an orderCode of 65 characters', () => ({ orders: [order('o'.repeat(65))] }), 'orders[0].orderCode', 'must be at most 64 characters'],
    ['a numeric orderCode', () => ({ orders: [order('X16', { orderCode: 7 })] }), 'orders[0].orderCode', 'must be a string'],
    ['an order that is not an object', () => ({ orders: [order('X17'), 'X18'] }), 'orders[1]', 'must be an object'],
    ['101 orders', () => ({ orders: Array.from({ length: 101 }, (_, i) => order(`M${i}`)) }), 'orders', 'must have at most 100 items'],
    ['a total over the ceiling (checked by the shop service)', () => ({ orders: [order('X14', { orderEntries: [{ projectId: mug, quantity: 9999, productSellPrice: 9999999999 }] })] }), 'orders[0].orderEntries', 'the order total exceeds 9999999999.99'],
    ['a second order that is wrong', () => ({ orders: [order('X12'), order('X13', { orderEntries: [] })] }), 'orders[1].orderEntries', 'must be a non-empty array'],
  ])('%s: 400 naming the field, nothing written', async (_name, body, field, why) => {
    const before = await count();
    const res = await post(ordersUrl(), auth, { json: body() });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ errorKey: 'invalidParameter', title: 'Bad Request', status: 400, detail: `${field}: ${why}`, field });
    expect(await count()).toBe(before);
  });

  test('no credentials and a bad body: 401 (the credentials are checked before the body is read)', async () => {
    const res = await fetch(ordersUrl(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"orders":[' });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ status: 401, error: 'Unauthorized' });
  });

  test('unknown fields are ignored; ids as digit strings are accepted', async () => {
    const res = await post(`${s.url}/ac/api/external/orders`, auth3, {
      json: { orders: [{ ...order3('U-1'), orderEntries: [{ projectId: String(cap), quantity: '3', color: 'red' }], giftWrap: true }], requestedBy: 'tests' },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ orders: [expect.objectContaining({ orderCode: 'U-1', orderEntries: [{ projectId: cap, productName: 'Cap', quantity: 3, productSellPrice: 5000 }] })] });
  });

  test('not JSON, or a JSON array: 400', async () => {
    const bad = await fetch(ordersUrl(), { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: '{"orders":[' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ errorKey: 'badRequest', title: 'Bad Request', status: 400, detail: 'the JSON body is malformed' });
    const array = await post(ordersUrl(), auth, { json: [order('A1')] });
    expect(array.status).toBe(400);
    expect(await array.json()).toMatchObject({ field: 'orders' });
  });

  test('without mall.write_order: 403 in POD Shop\'s shape', async () => {
    const reader = await seedCredentials(s, 'mall1', { scopes: ['mall.read_order'] });
    const res = await post(ordersUrl(), basic(reader.clientId, reader.clientKey), { json: { orders: [order('R1')] } });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ errorKey: 'forbidden', title: 'Forbidden', status: 403, detail: 'this call needs the scope mall.write_order' });
  });
});

describe('storeCustomerId: the client\'s own customer reference (docs/podshop.md, Orders)', () => {
  test('on a mall without sample data, any id of the client\'s store creates a guest order that keeps it as sent', async () => {
    const ids = ['cust1', '550e8400-e29b-41d4-a716-446655440000', `${'가'.repeat(60)} "'\\`, '😀'.repeat(64), ' padded '];
    const res = await post(`${s.url}/ac/api/external/orders`, auth3, { json: { orders: ids.map((id, i) => ({ ...order3(`G-${i}`), storeCustomerId: id })) } });
    expect(res.status).toBe(200);
    const { orders } = (await res.json()) as { orders: { orderId: string; storeCustomerId: string }[] };
    expect(orders.map((o) => o.storeCustomerId)).toEqual(ids);
    for (const o of orders) expect((await s.store.shop.orders.get('mall3', o.orderId))?.memberId).toBeNull();
    // Read back as sent.
    const listed = await fetch(`${s.url}/ac/api/external/orders?pageSize=100`, { headers: { authorization: auth3 } });
    expect(listed.status).toBe(200);
    const byCode = new Map(((await listed.json()) as { orderCode: string; storeCustomerId: string }[]).map((o) => [o.orderCode, o.storeCustomerId]));
    expect(ids.map((_, i) => byCode.get(`G-${i}`))).toEqual(ids);
  });

  test('a member_id of the mall\'s customers makes it that customer\'s order; absent, null and "" are a guest order with null', async () => {
    const res = await post(`${s.url}/ac/api/external/orders`, auth3, {
      json: { orders: [{ ...order3('L-1'), storeCustomerId: 'vip' }, { ...order3('L-2'), storeCustomerId: 'VIP' }, order3('L-3'), { ...order3('L-4'), storeCustomerId: null }, { ...order3('L-5'), storeCustomerId: '' }] },
    });
    expect(res.status).toBe(200);
    const { orders } = (await res.json()) as { orders: { orderId: string; storeCustomerId: string | null }[] };
    expect(orders.map((o) => o.storeCustomerId)).toEqual(['vip', 'VIP', null, null, null]);
    const members = await Promise.all(orders.map(async (o) => (await s.store.shop.orders.get('mall3', o.orderId))?.memberId));
    // Member ids are matched exactly: "VIP" is not the customer "vip".
    expect(members).toEqual(['vip', null, null, null, null]);
    // The Cafe24-style filter by member finds the linked order only.
    expect((await s.store.shop.orders.list('mall3', { memberId: ['vip'] }, { limit: 10, offset: 0 })).map((o) => o.orderId)).toEqual([orders[0]!.orderId]);
  });

  test('an order of a member made through the Cafe24-style service reads with its member_id as storeCustomerId', async () => {
    const mall = (await s.store.malls.get('mall3'))!;
    const [made] = await createOrders({ store: s.store, clock: s.clock }, mall, [{ member_id: 'vip', buyer_name: 'Vip', receiver: { name: 'Vip', zipcode: '1', address1: 'a' }, items: [{ product_no: cap, quantity: 1 }] }]);
    const res = await fetch(`${s.url}/ac/api/external/orders?pageSize=100`, { headers: { authorization: auth3 } });
    const listed = ((await res.json()) as { orderId: string }[]).find((o) => o.orderId === made!.orderId);
    expect(listed).toMatchObject({ orderCode: null, storeCustomerId: 'vip' });
  });
});

describe('GET /ac/api/external/orders', () => {
  test('pageNo from 0, pageSize, total in x-total-count', async () => {
    const created = await post(ordersUrl(), auth, { json: { orders: [order('P-3'), order('P-4'), order('P-5')] } });
    expect(created.status).toBe(200);
    const page0 = await list('?pageNo=0&pageSize=2');
    expect(page0.status).toBe(200);
    expect(page0.headers.get('x-total-count')).toBe('5');
    expect(((await page0.json()) as { orderCode: string }[]).map((o) => o.orderCode)).toEqual(['POD-1', 'POD-2']);
    const page2 = await list('?pageNo=2&pageSize=2');
    expect(((await page2.json()) as { orderCode: string }[]).map((o) => o.orderCode)).toEqual(['P-5']);
    const beyond = await list('?pageNo=9&pageSize=2');
    expect(await beyond.json()).toEqual([]);
    expect(beyond.headers.get('x-total-count')).toBe('5');
  });

  test('an order made through the Cafe24-style service is listed too, with orderCode null', async () => {
    const mall = (await s.store.malls.get('mall1'))!;
    await createOrders({ store: s.store, clock: s.clock }, mall, [{ buyer_name: 'Lee', receiver: { name: 'Lee', zipcode: '1', address1: 'a' }, items: [{ product_no: mug, quantity: 1 }] }]);
    const res = await list('?pageNo=5&pageSize=1');
    expect(res.headers.get('x-total-count')).toBe('6');
    expect(await res.json()).toEqual([expect.objectContaining({ orderCode: null, storeCustomerId: null, paymentAmount: 12000, orderEntries: [{ projectId: mug, productName: 'Mug', quantity: 1, productSellPrice: 12000 }] })]);
  });

  test('bad paging: 400 naming the parameter', async () => {
    for (const [q, field] of [['?pageNo=-1', 'pageNo'], ['?pageSize=0', 'pageSize'], ['?pageSize=101', 'pageSize'], ['?pageNo=x', 'pageNo']] as const) {
      const res = await list(q);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ status: 400, field });
    }
  });

  test('with a POD Shop bearer token; under /malls/{mall_id}; never another mall\'s orders', async () => {
    const t = (await (await post(`${s.url}/ac/oauth/ext/token`, auth)).json()) as PodTokens;
    const res = await list('', `bearer ${t.access_token}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-total-count')).toBe('6');
    expect((await fetch(`${s.mallUrl('mall1')}/ac/api/external/orders`, { headers: { authorization: `Bearer ${t.access_token}` } })).status).toBe(200);
    const other = await fetch(`${s.mallUrl('mall2')}/ac/api/external/orders`, { headers: { authorization: `Bearer ${t.access_token}` } });
    expect(other.status).toBe(401);
    expect(await other.json()).toEqual({ status: 401, error: 'this token does not exist' });
    const otherBasic = await fetch(`${s.mallUrl('mall2')}/ac/api/external/orders`, { headers: { authorization: auth } });
    expect(otherBasic.status).toBe(401);
    expect(await otherBasic.json()).toEqual({ status: 401, error: 'Unauthorized' });
  });
});

describe('the API guard (rate limit per mall and client, as on the Cafe24-style API)', () => {
  test('X-Api-Call-Limit on every answer; over the bucket: 429 in POD Shop\'s shape', async () => {
    const limited = await seedCredentials(s, 'mall1', { rateLimit: '2/1' });
    const auth2 = basic(limited.clientId, limited.clientKey);
    const first = await list('', auth2);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-api-call-limit')).toBe('1/2');
    expect((await list('', auth2)).headers.get('x-api-call-limit')).toBe('2/2');
    const over = await list('', auth2);
    expect(over.status).toBe(429);
    expect(over.headers.get('x-api-call-limit')).toBe('2/2');
    expect(await over.json()).toEqual({
      errorKey: 'tooManyRequests', title: 'Too Many Requests', status: 429,
      detail: expect.stringMatching(/^too many calls: the limit is 2 calls, drained 1 per second; retry after \d+ s$/),
    });
    s.clock.advance(1000);
    expect((await list('', auth2)).status).toBe(200);
  });
});

describe('POD Shop error shapes on the API', () => {
  test('unknown token: {"status":401,"error":"this token does not exist"}; expired JWT: tokenHasExpired; no credentials: 401', async () => {
    const unknown = await list('', 'bearer NoSuchToken');
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toEqual({ status: 401, error: 'this token does not exist' });

    const t = (await (await post(`${s.url}/ac/oauth/ext/token`, auth)).json()) as PodTokens;
    expect((await list('', `bearer ${t.access_token}`)).status).toBe(200);
    s.clock.advance(3600_000);
    const expired = await list('', `bearer ${t.access_token}`);
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual({ errorKey: 'tokenHasExpired', title: 'Jwt Invalid', status: 401, detail: 'this token has expired.' });

    const none = await fetch(ordersUrl());
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ status: 401, error: 'Unauthorized' });
  });

  test('a revoked JWT: "this token does not exist" at once', async () => {
    const t = (await (await post(`${s.url}/ac/oauth/ext/token`, auth)).json()) as PodTokens;
    expect((await list('', `bearer ${t.access_token}`)).status).toBe(200);
    const jti = JSON.parse(Buffer.from(t.access_token.split('.')[1]!, 'base64url').toString()) as { jti: string };
    const record = await s.store.tokens.findByJti(jti.jti);
    await s.store.tokens.revokeFamily(record!.familyId, s.clock.now());
    const res = await list('', `bearer ${t.access_token}`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ status: 401, error: 'this token does not exist' });
  });
});
