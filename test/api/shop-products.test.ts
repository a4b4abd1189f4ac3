import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { freshMall } from '../support/fixtures.js';
import { startServer, type TestServer } from '../support/server.js';
import { apiError, consentedApi } from './helpers.js';

/**
 * wire.md, Admin API: products, over loopback, exact bodies. One server for the file; every test
 * has a mall of its own and starts at T0, so tests pass alone and in any order.
 */
let s: TestServer;
const T0 = Date.parse('2026-03-01T03:00:00.000Z');

beforeAll(async () => {
  s = await startServer({ config: { rateLimit: null } });
});
afterAll(() => s?.close());
beforeEach(() => s.clock.set(T0));

const CREATED = '2026-03-01T12:00:00+09:00'; // the test clock, 03:00Z, in Asia/Seoul

/** A mall of the test's own and an Admin API client with every shop scope. */
async function openShop() {
  const { mallId } = await freshMall(s);
  return { mallId, ...(await consentedApi(s, mallId)) };
}

const LINEN_SHIRT = { product_name: 'Linen Shirt', price: '39000.00', supply_price: 15000, retail_price: '45000.5', display: 'T', selling: 'T', custom_product_code: 'LS-01', stock_quantity: 12 };
const OTHERS = ['Wool Cardigan', 'Cotton Tote', 'Desk Lamp'];

/**
 * A mall holding the five products the read tests query: 1 Linen Shirt (displayed, on sale, LS-01),
 * 2 Ceramic Mug (12000, defaults: hidden, not on sale), 3 Wool Cardigan, 4 Cotton Tote, 5 Desk Lamp (100 each).
 */
async function shopWithFiveProducts() {
  const shop = await openShop();
  for (const request of [LINEN_SHIRT, { product_name: 'Ceramic Mug', price: 12000 }, ...OTHERS.map((name) => ({ product_name: name, price: '100' }))]) {
    expect((await shop.api.post('/products', { request })).status).toBe(201);
  }
  return shop;
}

describe('products', () => {
  test('POST /products: 201 with the created product, money as decimal strings, times in the mall\'s zone', async () => {
    const { api } = await openShop();
    const r = await api.post('/products', { shop_no: 1, request: LINEN_SHIRT });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({
      product: {
        shop_no: 1, product_no: 1, product_code: 'P0000001', custom_product_code: 'LS-01', product_name: 'Linen Shirt', eng_product_name: '',
        model_name: '', price: '39000.00', retail_price: '45000.50', supply_price: '15000.00', display: 'T', selling: 'T',
        summary_description: '', stock_quantity: 12, created_date: CREATED, updated_date: CREATED, category: [],
      },
    });
    // Defaults: hidden and not on sale, like Cafe24.
    const mug = await api.post('/products', { request: { product_name: 'Ceramic Mug', price: 12000 } });
    expect(mug.body.product).toMatchObject({ product_no: 2, product_code: 'P0000002', price: '12000.00', display: 'F', selling: 'F', stock_quantity: 0 });
    for (const name of OTHERS) expect((await api.post('/products', { request: { product_name: name, price: '100' } })).status).toBe(201);
  });

  test('GET /products/{product_no} and GET /products/count', async () => {
    const { api } = await shopWithFiveProducts();
    const r = await api.get('/products/1');
    expect(r.status).toBe(200);
    expect(r.body.product).toMatchObject({ product_no: 1, product_name: 'Linen Shirt', price: '39000.00' });
    expect((await api.get('/products/1?fields=product_no,price')).body).toEqual({ product: { product_no: 1, price: '39000.00' } });
    expect(await api.get('/products/count')).toMatchObject({ status: 200, body: { count: 5 } });
    expect((await api.get('/products/count?display=T')).body).toEqual({ count: 1 });
    expect((await api.get('/products/count?product_name=mug,LAMP')).body).toEqual({ count: 2 });
  });

  test('GET /products: stable order by product_no, limit/offset edges, fields, OR filters', async () => {
    const { api } = await shopWithFiveProducts();
    const nos = async (query: string) => {
      const r = await api.get(`/products${query}`);
      expect(r.status).toBe(200);
      return (r.body.products as { product_no: number }[]).map((p) => p.product_no);
    };
    expect(await nos('')).toEqual([1, 2, 3, 4, 5]);
    expect(await nos('?limit=2')).toEqual([1, 2]);
    expect(await nos('?limit=2&offset=2')).toEqual([3, 4]);
    expect(await nos('?limit=2&offset=4')).toEqual([5]);
    expect(await nos('?offset=5')).toEqual([]);
    expect(await nos('?limit=100&offset=8000')).toEqual([]);
    expect(await nos('?limit=1')).toEqual([1]);
    expect(await nos('?product_no=4,2,99')).toEqual([2, 4]);
    expect(await nos('?product_code=P0000003,P0000005')).toEqual([3, 5]);
    expect(await nos('?product_name=shirt,mug&display=T')).toEqual([1]);
    expect(await nos('?custom_product_code=LS-01')).toEqual([1]);
    expect(await nos('?selling=F')).toEqual([2, 3, 4, 5]);
    expect(await nos('?shop_no=1&limit=1')).toEqual([1]);
    expect((await api.get('/products?fields=product_name&limit=2')).body).toEqual({ products: [{ product_name: 'Linen Shirt' }, { product_name: 'Ceramic Mug' }] });
  });

  test.each([
    ['limit=0', 'limit must be >= 1'],
    ['limit=101', 'limit must be <= 100'],
    ['limit=ten', 'limit must be an integer'],
    ['limit=1.5', 'limit must be an integer'],
    ['limit=1&limit=2', 'limit must be an integer'],
    ['offset=-1', 'offset must be >= 0'],
    ['offset=8001', 'offset must be <= 8000'],
    ['fields=product_no,secret', 'fields must be comma-separated field names among shop_no, product_no, product_code, custom_product_code, product_name, eng_product_name, model_name, price, retail_price, supply_price, display, selling, summary_description, stock_quantity, created_date, updated_date, category'],
    ['product_no=1,x', 'product_no must be comma-separated product numbers'],
    ['product_no=', 'product_no must be comma-separated product numbers'],
    ['display=Y', 'display must be one of "T", "F"'],
    ['sort=price', 'unknown parameter sort'],
    ['shop_no=2', 'shop_no 2 does not exist in this mall (only 1)'],
  ])('GET /products?%s: 422 naming the parameter', async (query, message) => {
    const { api } = await openShop();
    const r = await api.get(`/products?${query}`);
    expect(r).toMatchObject({ status: 422, body: apiError(422, message) });
  });

  test('GET /products/{product_no}: 404 for a missing product, 422 for a malformed number', async () => {
    const { api } = await shopWithFiveProducts();
    expect(await api.get('/products/999')).toMatchObject({ status: 404, body: apiError(404, 'product 999 does not exist') });
    expect(await api.get('/products/abc')).toMatchObject({ status: 422, body: apiError(422, 'product_no must be an integer') });
    expect(await api.get('/products/0')).toMatchObject({ status: 422, body: apiError(422, 'product_no must be >= 1') });
  });

  test('PUT /products/{product_no}: changes only the given fields and updated_date', async () => {
    const { api } = await shopWithFiveProducts();
    s.clock.advance(60_000);
    const r = await api.put('/products/2', { shop_no: 1, request: { price: '9900', selling: 'T' } });
    expect(r.status).toBe(200);
    expect(r.body.product).toMatchObject({ product_no: 2, product_name: 'Ceramic Mug', price: '9900.00', selling: 'T', created_date: CREATED, updated_date: '2026-03-01T12:01:00+09:00' });
    expect((await api.get('/products/2')).body).toEqual(r.body);
    expect(await api.put('/products/999', { request: { price: '1' } })).toMatchObject({ status: 404, body: apiError(404, 'product 999 does not exist') });
  });

  test.each([
    ['a JSON array', [], 'the body must be a JSON object like {"shop_no":1,"request":{...}}'],
    ['no request', { shop_no: 1 }, 'request is required'],
    ['a missing required field', { request: { price: '1000' } }, 'request.product_name is required'],
    ['a malformed price', { request: { product_name: 'x', price: '12,000' } }, 'request.price must be a decimal amount such as "15000.00"'],
    ['a negative price', { request: { product_name: 'x', price: -1 } }, 'request.price must be >= 0'],
    ['three decimals', { request: { product_name: 'x', price: '1.005' } }, 'request.price must be a decimal amount such as "15000.00"'],
    ['a bad flag', { request: { product_name: 'x', price: '1', display: 'yes' } }, 'request.display must be one of "T", "F"'],
    ['an empty name', { request: { product_name: '', price: '1' } }, 'request.product_name must NOT have fewer than 1 characters'],
    ['an unknown field', { request: { product_name: 'x', price: '1', colour: 'red' } }, 'unknown field request.colour'],
    ['a string stock', { request: { product_name: 'x', price: '1', stock_quantity: '3' } }, 'request.stock_quantity must be an integer'],
    ['another shop', { shop_no: 2, request: { product_name: 'x', price: '1' } }, 'shop_no 2 does not exist in this mall (only 1)'],
  ])('POST /products with %s: 422 naming the field, nothing written', async (_, body, message) => {
    const { api } = await shopWithFiveProducts();
    const r = await api.post('/products', body);
    expect(r).toMatchObject({ status: 422, body: apiError(422, message) });
    expect((await api.get('/products/count')).body).toEqual({ count: 5 });
  });

  test('POST /products with malformed JSON, another media type or no body: 400, 415, 422, never a 500', async () => {
    const { mallId, api, token } = await shopWithFiveProducts();
    const r = await api.post('/products', '{"request":');
    expect(r).toMatchObject({ status: 400, body: apiError(400, 'the JSON body is malformed') });
    const text = await api.post('/products', '<product/>', { 'content-type': 'application/xml' });
    expect(text).toMatchObject({ status: 415, body: apiError(415, 'this Content-Type is not accepted here') });
    const empty = await fetch(`${s.mallUrl(mallId)}/api/v2/admin/products`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect((await api.get('/products/count')).body).toEqual({ count: 5 });
    expect(empty.status).toBe(422);
    expect(await empty.json()).toEqual(apiError(422, 'the body must be a JSON object like {"shop_no":1,"request":{...}}'));
  });

  test('PUT with nothing to change: 422', async () => {
    const { api } = await shopWithFiveProducts();
    expect(await api.put('/products/1', { request: {} })).toMatchObject({ status: 422, body: apiError(422, 'request must have at least one field to change') });
  });

  test('DELETE /products/{product_no}: 200 naming it, then 404', async () => {
    const { api } = await shopWithFiveProducts();
    expect(await api.delete('/products/5')).toMatchObject({ status: 200, body: { product: { product_no: 5 } } });
    expect(await api.delete('/products/5')).toMatchObject({ status: 404, body: apiError(404, 'product 5 does not exist') });
    expect((await api.get('/products/count')).body).toEqual({ count: 4 });
  });

  test('a body-less DELETE sent with Content-Type: application/json, as Cafe24 client code does, is no body (wire.md, Admin API)', async () => {
    const { api } = await shopWithFiveProducts();
    const r = await api.call('DELETE', '/products/4', { headers: { 'content-type': 'application/json' } });
    expect(r).toMatchObject({ status: 200, body: { product: { product_no: 4 } } });
    // A body that is present must still be JSON.
    const bad = await api.call('PUT', '/products/3', { body: '{"request":', headers: { 'content-type': 'application/json' } });
    expect(bad).toMatchObject({ status: 400, body: apiError(400, 'the JSON body is malformed') });
    expect((await api.get('/products/count')).body).toEqual({ count: 4 });
    expect((await api.get('/products/3?fields=product_name')).body).toEqual({ product: { product_name: 'Wool Cardigan' } });
  });
});
