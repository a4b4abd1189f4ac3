import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { seedMall } from '../support/fixtures.js';
import { startServer, type TestServer } from '../support/server.js';
import { ALL_SHOP_SCOPES, adminApi, tokenFor } from './helpers.js';

/**
 * The Admin API in /openapi.json: every operation with its scopes and headers, and what its routes
 * accept. The whole document (valid, every route, answers as documented) is test/http/openapi.test.ts.
 */
type Json = Record<string, any>;
let s: TestServer;
let doc: Json;
let api: ReturnType<typeof adminApi>;
const ADMIN = '/malls/{mall_id}/api/v2/admin';

beforeAll(async () => {
  s = await startServer({ config: { rateLimit: null } });
  await seedMall(s, 'mall1');
  const scopes = [...ALL_SHOP_SCOPES, 'mall.read_category', 'mall.write_category', 'mall.read_application', 'mall.write_application'];
  api = adminApi(s, 'mall1', (await tokenFor(s, 'mall1', { scopes, appScopes: scopes })).token);
  await api.post('/products', { request: { product_name: 'Mug', price: '1000' } });
  const res = await fetch(`${s.url}/openapi.json`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
  doc = (await res.json()) as Json;
});
afterAll(() => s.close());

describe('/openapi.json', () => {
  test('describes every Admin API operation and the OAuth endpoints', () => {
    const ops = Object.entries(doc.paths as Json).flatMap(([path, item]) => Object.keys(item as Json).map((m) => `${m.toUpperCase()} ${path}`));
    expect(ops).toEqual(expect.arrayContaining([
      `GET ${ADMIN}/store`,
      `GET ${ADMIN}/products`, `GET ${ADMIN}/products/count`, `GET ${ADMIN}/products/{product_no}`, `POST ${ADMIN}/products`,
      `PUT ${ADMIN}/products/{product_no}`, `DELETE ${ADMIN}/products/{product_no}`,
      `GET ${ADMIN}/orders`, `GET ${ADMIN}/orders/count`, `GET ${ADMIN}/orders/{order_id}`, `POST ${ADMIN}/orders`,
      `GET ${ADMIN}/customers`, `GET ${ADMIN}/customers/{member_id}`,
      `GET ${ADMIN}/categories`, `GET ${ADMIN}/categories/count`, `GET ${ADMIN}/categories/{category_no}`, `POST ${ADMIN}/categories`,
      `PUT ${ADMIN}/categories/{category_no}`, `DELETE ${ADMIN}/categories/{category_no}`,
      `GET ${ADMIN}/scripttags`, `GET ${ADMIN}/scripttags/count`, `GET ${ADMIN}/scripttags/{script_no}`, `POST ${ADMIN}/scripttags`,
      `PUT ${ADMIN}/scripttags/{script_no}`, `DELETE ${ADMIN}/scripttags/{script_no}`,
      `GET ${ADMIN}/apps`,
      'GET /malls/{mall_id}/api/v2/oauth/authorize', 'POST /malls/{mall_id}/api/v2/oauth/token', 'POST /malls/{mall_id}/api/v2/oauth/revoke',
      'GET /openapi.json',
    ]));
    expect(doc.paths['/malls/{mall_id}/storefront'].get.summary).toBe("Storefront preview of /, carrying the apps' scripttags shown at MAIN");
    expect(doc.paths['/malls/{mall_id}/storefront/product/detail.html'].get.summary).toBe("Storefront preview of /product/detail.html, carrying the apps' scripttags shown at PRODUCT_DETAIL");
    // The host form is the same routes without the prefix: listed once, not twice.
    expect(doc.paths['/api/v2/admin/products']).toBeUndefined();
    const list = doc.paths[`${ADMIN}/products`].get;
    expect(list.security).toEqual([{ bearer: ['mall.read_product'] }, { basic: ['mall.read_product'] }]);
    expect(doc.paths[`${ADMIN}/orders`].post.security).toEqual([{ bearer: ['mall.write_order'] }, { basic: ['mall.write_order'] }]);
    expect(list.responses['200'].headers['X-Api-Call-Limit']).toBeDefined();
    for (const h of ['X-Cafe24-Call-Usage', 'X-Cafe24-Time-Usage', 'X-Cafe24-Call-Remain', 'X-Cafe24-Time-Remain']) expect(list.responses['200'].headers[h], h).toBeDefined();
    expect(doc.paths[`${ADMIN}/scripttags`].post.security).toEqual([{ bearer: ['mall.write_application'] }, { basic: ['mall.write_application'] }]);
    expect(doc.paths[`${ADMIN}/categories/{category_no}`].put.security).toEqual([{ bearer: ['mall.write_category'] }, { basic: ['mall.write_category'] }]);
    expect(list.responses['429'].headers['Retry-After']).toBeDefined();
    expect(doc.paths['/malls/{mall_id}/api/v2/oauth/token'].post.requestBody.content['application/x-www-form-urlencoded'].schema.properties.grant_type.enum)
      .toEqual(['authorization_code', 'refresh_token']);
  });

  test('every documented query parameter is accepted; an undocumented one is refused (422)', async () => {
    // The sample ids that name nothing in this mall (no such order, customer, category, tag, variant).
    const MISSING = /\/(variants\/\{variant_code\}.*|orders\/\{order_id\}.*|customers\/\{member_id\}|categories\/\{category_no\}|scripttags\/\{script_no\})$/;
    const samples: Record<string, string> = {
      shop_no: '1', limit: '5', offset: '0', display: 'T', selling: 'F', product_no: '1', product_code: 'P0000001', custom_product_code: 'x',
      product_name: 'mug', order_id: '20260301-0000001', member_id: 'kim', order_status: 'N00', start_date: '2026-03-01', end_date: '2026-03-02',
      email: 'a@example.com', cellphone: '010-1111-2222', name: 'kim', category: '24', category_no: '24', category_depth: '1',
      parent_category_no: '1', category_name: 'outer', script_no: '1', src: 'https://cdn.example/app.js', display_location: 'MAIN', skin_no: '1',
      log_type: 'G', success: 'T', event_no: '90001', requested_start_date: '2026-03-01', requested_end_date: '2026-03-02',
    };
    const embeds: Record<string, string> = { '/products': 'variants', '/products/{product_no}': 'inventories', '/orders': 'items', '/orders/{order_id}': 'buyer' };
    let checked = 0;
    for (const [path, item] of Object.entries(doc.paths as Json)) {
      if (!path.startsWith(ADMIN) || !(item as Json).get) continue;
      const tail = path.slice(ADMIN.length);
      const url = tail.replace('{product_no}', '1').replace('{order_id}', '20260301-0000001').replace('{member_id}', 'kim').replace('{category_no}', '24').replace('{script_no}', '1').replace('{variant_code}', 'P00000010001');
      const query = ((item as Json).get.parameters as Json[]).filter((p) => p.in === 'query');
      // Required parameters (orders' date range) go on every call.
      const requiredBut = (name: string) => query.filter((p) => p.required && p.name !== name).map((p) => `&${p.name}=${encodeURIComponent(samples[p.name]!)}`).join('');
      const required = requiredBut('');
      // Accepted means answered as without the parameter: 200, or 404 where the sample id names nothing.
      const plain = await api.get(`${url}?${required.slice(1)}`);
      expect(plain.status, path).toBe(MISSING.test(tail) ? 404 : 200);
      for (const p of query) {
        const value = p.name === 'fields' ? String(p.schema.pattern).match(/^\^\(([a-z_]+)\|/)![1]! : p.name === 'embed' ? (embeds[tail] ?? String(p.schema.pattern).match(/^\^\(([a-z_]+)[|)]/)![1]!) : samples[p.name];
        expect(value, `a sample for ${p.name}`).toBeDefined();
        const r = await api.get(`${url}?${p.name}=${encodeURIComponent(value!)}${requiredBut(p.name)}`);
        expect(r.status, `${path}?${p.name}`).toBe(plain.status);
        if (plain.status === 404) expect(r.body.error.message, `${path}?${p.name}`).toBe(plain.body.error.message);
        checked++;
      }
      const bad = await api.get(`${url}?undocumented=1${required}`);
      const refusal = { error: { code: 422, message: 'unknown parameter undocumented', more_info: {}, trace_id: bad.headers.get('x-trace-id') } };
      expect({ status: bad.status, body: bad.body as unknown }, path).toEqual({ status: 422, body: refusal });
    }
    expect(checked).toBeGreaterThan(40);
  });

  test('request bodies: the documented schema accepts exactly what the server accepts', async () => {
    const ajv = new Ajv2020({ strict: false, allowUnionTypes: true });
    const productBody = ajv.compile(doc.paths[`${ADMIN}/products`].post.requestBody.content['application/json'].schema);
    const orderBody = ajv.compile(doc.paths[`${ADMIN}/orders`].post.requestBody.content['application/json'].schema);
    const receiver = { name: 'R', zipcode: '1', address1: 'Seoul' };
    const cases: [string, (b: unknown) => boolean, unknown][] = [
      ['/products', productBody, { request: { product_name: 'A', price: '10.5' } }],
      ['/products', productBody, { shop_no: 1, request: { product_name: 'A', price: 10, display: 'T', stock_quantity: 3 } }],
      ['/products', productBody, { request: { product_name: 'A' } }],
      ['/products', productBody, { request: { product_name: 'A', price: '1.234' } }],
      ['/products', productBody, { request: { product_name: 'A', price: '1', extra: 1 } }],
      ['/products', productBody, { request: { product_name: 'A', price: '1' }, other: 1 }],
      ['/orders', orderBody, { request: { buyer_name: 'B', receiver, items: [{ product_no: 1, quantity: 1 }] } }],
      ['/orders', orderBody, { request: { buyer_name: 'B', receiver, items: [{ product_no: 1, quantity: 1, product_price: '5' }], paid: 'T' } }],
      ['/orders', orderBody, { request: { buyer_name: 'B', receiver, items: [] } }],
      ['/orders', orderBody, { request: { buyer_name: 'B', receiver: { name: 'R' }, items: [{ product_no: 1, quantity: 1 }] } }],
      ['/orders', orderBody, { request: { buyer_name: 'B', receiver, items: [{ product_no: 1, quantity: 1.5 }] } }],
    ];
    for (const [path, validate, body] of cases) {
      const r = await api.post(path, body);
      expect(r.status === 201, `${path} ${JSON.stringify(body)}: server ${r.status}`).toBe(validate(body));
    }
  });
});
