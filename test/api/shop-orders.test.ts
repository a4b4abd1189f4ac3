import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { freshMall } from '../support/fixtures.js';
import { startServer, type TestServer } from '../support/server.js';
import { apiError, consentedApi, type adminApi } from './helpers.js';

/**
 * wire.md, Admin API: orders and customers, over loopback, exact bodies. One server for the file;
 * every test has a shop (a mall) of its own and starts at T0, so tests pass alone and in any order.
 */
let s: TestServer;
const T0 = Date.parse('2026-03-01T03:00:00.000Z'); // 12:00 in Seoul
const HOUR = 3_600_000;

const receiver = { name: 'Kim Jisoo', zipcode: '04524', address1: 'Seoul, Jung-gu, Sejong-daero 110', address2: '3F', cellphone: '010-3333-4444' };

beforeAll(async () => {
  s = await startServer({ config: { rateLimit: null } });
});
afterAll(() => s?.close());
beforeEach(() => s.clock.set(T0));

type Api = ReturnType<typeof adminApi>;

/** A mall of the test's own with products 1 (Linen Shirt) and 2 (Ceramic Mug), customers jisoo and minjun, and an app with every shop scope. */
async function openShop() {
  const { mallId } = await freshMall(s);
  await s.store.shop.products.create(mallId, [
    { customProductCode: '', productName: 'Linen Shirt', engProductName: '', modelName: '', price: 3_900_000, retailPrice: 0, supplyPrice: 0, display: 'T', selling: 'T', summaryDescription: '', stockQuantity: 9 },
    { customProductCode: '', productName: 'Ceramic Mug', engProductName: '', modelName: '', price: 1_200_000, retailPrice: 0, supplyPrice: 0, display: 'T', selling: 'T', summaryDescription: '', stockQuantity: 9 },
  ], T0);
  await s.store.shop.customers.create(mallId, [
    { memberId: 'jisoo', name: 'Kim Jisoo', email: 'jisoo@example.com', cellphone: '010-3333-4444', gender: 'F', birthday: '1994-05-06', groupNo: 1, sms: 'T', newsMail: 'F', createdAt: T0 - 48 * HOUR },
    { memberId: 'minjun', name: 'Lee Minjun', email: 'minjun@example.com', cellphone: '010-5555-6666', gender: null, birthday: null, groupNo: 2, sms: 'F', newsMail: 'T', createdAt: T0 - 24 * HOUR },
  ]);
  return { mallId, ...(await consentedApi(s, mallId)) };
}

/** Moves the clock `ms` on and gives a client with a new token (access tokens live 2 hours). */
async function later(mallId: string, ms: number): Promise<Api> {
  s.clock.advance(ms);
  return (await consentedApi(s, mallId)).api;
}

const FIRST_ORDER = { member_id: 'jisoo', buyer_name: 'Kim Jisoo', buyer_email: 'jisoo@example.com', buyer_cellphone: '010-3333-4444', receiver, shipping_fee: '3000', items: [{ product_no: 1, quantity: 2 }, { product_no: 2, quantity: 1, product_price: '9900.00' }] };
const GUEST_ORDER = { buyer_name: 'Guest', receiver: { name: 'G', zipcode: '1', address1: 'Busan' }, items: [{ product_no: 2, quantity: 3 }], order_status: 'N40', paid: 'T' };
const [A, B, C] = ['20260301-0000001', '20260302-0000002', '20260303-0000003'];

/**
 * The three orders the list tests read: A, jisoo's at 12:00 on 1 March in Seoul; B, a paid guest
 * order (N40) at 01:00 on 2 March; C, minjun's canceled one (C40) at 01:00 on 3 March. Returns a
 * client valid at C's time.
 */
async function placeThreeOrders(shop: { mallId: string; api: Api }): Promise<Api> {
  const created = async (api: Api, request: unknown) => {
    const r = await api.post('/orders', { request });
    expect(r.status).toBe(201);
    return r.body.order.order_id as string;
  };
  expect(await created(shop.api, FIRST_ORDER)).toBe(A);
  expect(await created(await later(shop.mallId, 13 * HOUR), GUEST_ORDER)).toBe(B);
  const api = await later(shop.mallId, 24 * HOUR);
  expect(await created(api, { member_id: 'minjun', buyer_name: 'Lee', receiver, items: [{ product_no: 1, quantity: 1 }], order_status: 'C40' })).toBe(C);
  return api;
}

describe('orders', () => {
  test('POST /orders: 201 with the order, item prices from the products, amounts summed', async () => {
    const { api } = await openShop();
    const r = await api.post('/orders', { shop_no: 1, request: FIRST_ORDER });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({
      order: {
        shop_no: 1, order_id: '20260301-0000001', member_id: 'jisoo', buyer_name: 'Kim Jisoo', buyer_email: 'jisoo@example.com', buyer_cellphone: '010-3333-4444',
        order_date: '2026-03-01T12:00:00+09:00', order_status: 'N00', paid: 'F', canceled: 'F', currency: 'KRW', payment_amount: '90900.00',
        actual_order_amount: { order_price_amount: '87900.00', shipping_fee: '3000.00', payment_amount: '90900.00' },
        receivers: [{ shop_no: 1, ...receiver, phone: '', country_code: 'KR', shipping_message: '' }],
        buyer: { shop_no: 1, member_id: 'jisoo', name: 'Kim Jisoo', email: 'jisoo@example.com', cellphone: '010-3333-4444' },
        items: [
          { item_no: 1, product_no: 1, product_code: 'P0000001', product_name: 'Linen Shirt', quantity: 2, product_price: '39000.00', order_status: 'N00' },
          { item_no: 2, product_no: 2, product_code: 'P0000002', product_name: 'Ceramic Mug', quantity: 1, product_price: '9900.00', order_status: 'N00' },
        ],
      },
    });
    expect((await api.get('/orders/20260301-0000001?embed=items,receivers,buyer')).body).toEqual(r.body);
    // Without embed: the order's own fields only (Cafe24).
    const { items, receivers, buyer, ...own } = r.body.order;
    expect((await api.get('/orders/20260301-0000001')).body).toEqual({ order: own });
    expect((await api.get('/orders/20260301-0000001/items')).body).toEqual({ items });
    expect((await api.get('/orders/20260301-0000001/receivers')).body).toEqual({ receivers });
    expect((await api.get('/orders/20260301-0000001?embed=buyer&fields=order_id')).body).toEqual({ order: { order_id: '20260301-0000001', buyer } });
  });

  test('order ids carry the mall-local date and number on from the mall\'s last order; guests have no member_id', async () => {
    const shop = await openShop();
    expect((await shop.api.post('/orders', { request: FIRST_ORDER })).body.order.order_id).toBe(A);
    // 01:00 on 2 March in Seoul, still 1 March in UTC.
    const r = await (await later(shop.mallId, 13 * HOUR)).post('/orders', { request: GUEST_ORDER });
    expect(r.status).toBe(201);
    expect(r.body.order).toMatchObject({ order_id: B, member_id: null, order_date: '2026-03-02T01:00:00+09:00', order_status: 'N40', paid: 'T', payment_amount: '36000.00' });
  });

  test('GET /orders: oldest first, date range in the mall\'s days (inclusive), OR filters, pagination, fields', async () => {
    const api = await placeThreeOrders(await openShop());
    const ids = async (query: string) => {
      const range = (query.includes('start_date') ? '' : '&start_date=2026-02-01') + (query.includes('end_date') ? '' : '&end_date=2026-04-30');
      const r = await api.get(`/orders${query || '?'}${range}`);
      expect(r.status).toBe(200);
      return (r.body.orders as { order_id: string }[]).map((o) => o.order_id);
    };
    const [a, b, c] = [A, B, C];
    expect(await ids('')).toEqual([a, b, c]);
    expect(await ids('?start_date=2026-03-02')).toEqual([b, c]);
    expect(await ids('?end_date=2026-03-01')).toEqual([a]);
    expect(await ids('?start_date=2026-03-02&end_date=2026-03-02')).toEqual([b]);
    expect(await ids('?start_date=2026-03-04')).toEqual([]);
    expect(await ids('?order_status=N40,C40')).toEqual([b, c]);
    expect(await ids('?member_id=jisoo,minjun')).toEqual([a, c]);
    expect(await ids(`?order_id=${c},${a}`)).toEqual([a, c]);
    expect(await ids('?limit=1&offset=1')).toEqual([b]);
    expect((await api.get('/orders?fields=order_id,canceled&order_status=C40&start_date=2026-03-01&end_date=2026-03-31')).body).toEqual({ orders: [{ order_id: c, canceled: 'T' }] });
    expect((await api.get(`/orders?order_id=${a}&start_date=2026-03-01&end_date=2026-03-01&embed=items&fields=order_id`)).body.orders[0].items).toHaveLength(2);
    expect((await api.get('/orders/count?start_date=2026-03-01&end_date=2026-03-02')).body).toEqual({ count: 2 });
    expect((await api.get('/orders/count?start_date=2026-03-01&end_date=2026-03-31')).body).toEqual({ count: 3 });
  });

  const R = 'start_date=2026-03-01&end_date=2026-03-31';
  test.each([
    ['start_date=2026-3-1&end_date=2026-03-02', 'start_date must be a date YYYY-MM-DD'],
    ['start_date=2026-02-30&end_date=2026-03-02', 'start_date 2026-02-30 is not a calendar date'],
    ['start_date=2026-03-02&end_date=2026-03-01', 'end_date must not be before start_date'],
    ['end_date=2026-03-01', 'start_date is required'],
    ['start_date=2026-03-01', 'end_date is required'],
    ['', 'start_date is required'],
    ['start_date=2026-01-31&end_date=2026-05-01', 'start_date and end_date must be at most 3 months apart: end_date 2026-05-01 is after 2026-04-30'],
    ['start_date=2025-12-15&end_date=2026-03-16', 'start_date and end_date must be at most 3 months apart: end_date 2026-03-16 is after 2026-03-15'],
    [`order_status=N99&${R}`, 'order_status must be comma-separated statuses among N00, N10, N20, N22, N30, N40, C40, R40'],
    [`limit=1001&${R}`, 'limit must be <= 1000'],
    [`offset=15001&${R}`, 'offset must be <= 15000'],
    [`order_id=2026&${R}`, 'order_id must be comma-separated order ids like 20260301-0000001'],
    [`embed=memos&${R}`, 'embed must be comma-separated names among items, receivers, buyer'],
    [`fields=total&${R}`, expect.stringMatching(/^fields must be comma-separated field names among shop_no, order_id, /)],
  ])('GET /orders?%s: 422 naming the parameter', async (query, message) => {
    const { api } = await openShop();
    expect(await api.get(`/orders?${query}`)).toMatchObject({ status: 422, body: apiError(422, message as string) });
  });

  test('orders take limit up to 1000 and offset up to 15000; the widest range is exactly 3 months', async () => {
    const api = await placeThreeOrders(await openShop());
    expect((await api.get(`/orders?limit=1000&offset=15000&${R}`)).body).toEqual({ orders: [] });
    expect((await api.get('/orders/count?start_date=2026-01-31&end_date=2026-04-30')).body).toEqual({ count: 3 });
    expect(await api.get('/orders/count?start_date=2025-11-30&end_date=2026-03-01')).toMatchObject({ status: 422, body: apiError(422, 'start_date and end_date must be at most 3 months apart: end_date 2026-03-01 is after 2026-02-28') });
    expect(await api.get('/orders/count')).toMatchObject({ status: 422, body: apiError(422, 'start_date is required') });
  });

  test('GET /orders/{order_id}: 404 for an order the mall does not have, 422 for a malformed id', async () => {
    const { api } = await openShop();
    expect((await api.post('/orders', { request: FIRST_ORDER })).body.order.order_id).toBe(A);
    expect(await api.get('/orders/20260301-0000099')).toMatchObject({ status: 404, body: apiError(404, 'order 20260301-0000099 does not exist') });
    expect(await api.get('/orders/nope')).toMatchObject({ status: 422, body: apiError(422, 'order_id must be an order id like 20260301-0000001') });
  });

  test.each([
    ['an unknown product', { buyer_name: 'X', receiver, items: [{ product_no: 1, quantity: 1 }, { product_no: 77, quantity: 1 }] }, 'request.items[1].product_no: product 77 does not exist in this mall'],
    ['an unknown member', { member_id: 'ghost', buyer_name: 'X', receiver, items: [{ product_no: 1, quantity: 1 }] }, 'request.member_id: customer ghost does not exist in this mall'],
    ['no items', { buyer_name: 'X', receiver, items: [] }, 'request.items must NOT have fewer than 1 items'],
    ['a zero quantity', { buyer_name: 'X', receiver, items: [{ product_no: 1, quantity: 0 }] }, 'request.items[0].quantity must be >= 1'],
    ['no receiver address', { buyer_name: 'X', receiver: { name: 'R', zipcode: '1' }, items: [{ product_no: 1, quantity: 1 }] }, 'request.receiver.address1 is required'],
    ['a bad status', { buyer_name: 'X', receiver, items: [{ product_no: 1, quantity: 1 }], order_status: 'SHIPPED' }, 'request.order_status must be one of "N00", "N10", "N20", "N22", "N30", "N40", "C40", "R40"'],
    ['a bad country', { buyer_name: 'X', receiver: { ...receiver, country_code: 'kor' }, items: [{ product_no: 1, quantity: 1 }] }, 'request.receiver.country_code must be an ISO 3166-1 alpha-2 code such as KR'],
  ])('POST /orders with %s: 422 naming the field; nothing written, no number used', async (_, request, message) => {
    const api = await placeThreeOrders(await openShop());
    expect(await api.post('/orders', { shop_no: 1, request })).toMatchObject({ status: 422, body: apiError(422, message) });
    expect((await api.get('/orders/count?start_date=2026-03-01&end_date=2026-03-31')).body).toEqual({ count: 3 });
    // The next order takes the next number.
    const r = await api.post('/orders', { request: { buyer_name: 'X', receiver, items: [{ product_no: 2, quantity: 1 }] } });
    expect(r.status).toBe(201);
    expect(r.body.order.order_id).toBe('20260303-0000004');
  });

  test('PUT /orders/{order_id}: the status of the order and its items; 409 when unchanged; 404; 422; 403', async () => {
    const { mallId, api } = await openShop();
    const placed = await api.post('/orders', { request: { buyer_name: 'X', receiver, items: [{ product_no: 2, quantity: 1 }] } });
    expect(placed).toMatchObject({ status: 201, body: { order: { order_id: '20260301-0000001', order_status: 'N00' } } });
    const r = await api.put('/orders/20260301-0000001', { shop_no: 1, request: { order_status: 'N20' } });
    expect(r.status).toBe(200);
    expect(r.body.order).toMatchObject({ order_id: '20260301-0000001', order_status: 'N20', canceled: 'F', items: [expect.objectContaining({ order_status: 'N20' })] });
    expect((await api.get('/orders/20260301-0000001?fields=order_status')).body).toEqual({ order: { order_status: 'N20' } });
    expect(await api.put('/orders/20260301-0000001', { request: { order_status: 'N20' } })).toMatchObject({ status: 409, body: apiError(409, 'order 20260301-0000001: nothing to change, its order_status is already N20') });
    expect((await api.put('/orders/20260301-0000001', { request: { order_status: 'C40' } })).body.order.canceled).toBe('T');
    expect(await api.put('/orders/20260301-0000099', { request: { order_status: 'N30' } })).toMatchObject({ status: 404, body: apiError(404, 'order 20260301-0000099 does not exist') });
    expect(await api.put('/orders/20260301-0000001', { request: { order_status: 'DONE' } })).toMatchObject({ status: 422 });
    const { api: reader } = await consentedApi(s, mallId, { scopes: ['mall.read_order'] });
    expect(await reader.put('/orders/20260301-0000001', { request: { order_status: 'N30' } })).toMatchObject({ status: 403, body: apiError(403, 'this call needs the scope mall.write_order') });
    expect((await reader.get('/orders/20260301-0000001/items')).status).toBe(200);
  });
});

describe('customers', () => {
  test('GET /customers: by join date, fields, filters; GET /customers/{member_id}', async () => {
    const { api } = await openShop();
    expect(await api.get('/customers')).toMatchObject({
      status: 200,
      body: {
        customers: [
          { shop_no: 1, member_id: 'jisoo', name: 'Kim Jisoo', email: 'jisoo@example.com', cellphone: '010-3333-4444', gender: 'F', birthday: '1994-05-06', group_no: 1, sms: 'T', news_mail: 'F', created_date: '2026-02-27T12:00:00+09:00' },
          { shop_no: 1, member_id: 'minjun', name: 'Lee Minjun', email: 'minjun@example.com', cellphone: '010-5555-6666', gender: null, birthday: null, group_no: 2, sms: 'F', news_mail: 'T', created_date: '2026-02-28T12:00:00+09:00' },
        ],
      },
    });
    expect((await api.get('/customers?name=minjun,nobody&fields=member_id')).body).toEqual({ customers: [{ member_id: 'minjun' }] });
    expect((await api.get('/customers?cellphone=010-3333-4444&fields=member_id')).body).toEqual({ customers: [{ member_id: 'jisoo' }] });
    expect((await api.get('/customers?limit=1&offset=1&fields=member_id')).body).toEqual({ customers: [{ member_id: 'minjun' }] });
    expect((await api.get('/customers/jisoo?fields=member_id,email')).body).toEqual({ customer: { member_id: 'jisoo', email: 'jisoo@example.com' } });
    expect(await api.get('/customers/nobody')).toMatchObject({ status: 404, body: apiError(404, 'customer nobody does not exist') });
    expect(await api.get('/customers/bad%20id')).toMatchObject({ status: 422, body: apiError(422, 'member_id must be 1 to 20 letters, digits or ._@-') });
    expect(await api.get('/customers?member_id=a,,b')).toMatchObject({ status: 422, body: apiError(422, 'member_id must be comma-separated member ids') });
  });
});
