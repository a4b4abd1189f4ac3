import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ProductInput } from '../../src/store/shop-types.js';
import { basic, seedMall } from '../support/fixtures.js';
import { startServer, type TestServer } from '../support/server.js';
import { post, seedCredentials, type PodTokens } from './support.js';

/**
 * The POD Shop routes in /openapi.json: at the root and under the mall, and what they accept and
 * answer. That the whole document (these paths included) is valid OpenAPI 3.1 is test/http/openapi.test.ts.
 */
type Json = Record<string, any>;
let s: TestServer;
let doc: Json;
let auth: string;
let clientId: string;
let mug: number;
const ajv = new Ajv2020({ strict: false, allowUnionTypes: true });

const POD_OPS = [
  'POST /ac/oauth/ext/token',
  'POST /ac/oauth/ext/token/refresh',
  'POST /ac/oauth/external/{id}/refresh',
  'POST /ac/api/external/orders',
  'GET /ac/api/external/orders',
];

beforeAll(async () => {
  s = await startServer();
  await seedMall(s, 'mall1');
  const product: ProductInput = { customProductCode: '', productName: 'Mug', engProductName: '', modelName: '', price: 1_000_000, retailPrice: 0, supplyPrice: 0, display: 'T', selling: 'T', summaryDescription: '', stockQuantity: 1 };
  [mug] = (await s.store.shop.products.create('mall1', [product], s.clock.now())).map((p) => p.productNo) as [number];
  const creds = await seedCredentials(s, 'mall1', { scopes: ['mall.read_order', 'mall.write_order'] });
  clientId = creds.clientId;
  auth = basic(creds.clientId, creds.clientKey);
  doc = (await (await fetch(`${s.url}/openapi.json`)).json()) as Json;
});
afterAll(() => s.close());

const op = (methodPath: string): Json => {
  const [method, path] = methodPath.split(' ') as [string, string];
  return doc.paths[path][method.toLowerCase()];
};
/** The documented schema of an answer: responses[code], application/json. */
const answerSchema = (methodPath: string, code: number) => op(methodPath).responses[String(code)].content['application/json'].schema;
async function expectDocumented(methodPath: string, res: Response, code: number) {
  expect(res.status, methodPath).toBe(code);
  const validate = ajv.compile(answerSchema(methodPath, code));
  const body: unknown = await res.json();
  expect(validate(body), `${methodPath} ${code}: ${JSON.stringify(body)} ${ajv.errorsText(validate.errors)}`).toBe(true);
  return body;
}

describe('/openapi.json: the POD Shop routes', () => {
  test('listed at the root (no mall_id) and under /malls/{mall_id}, tagged pod, with unique operation ids', () => {
    const ops = Object.entries(doc.paths as Json).flatMap(([path, item]) => Object.keys(item as Json).map((m) => `${m.toUpperCase()} ${path}`));
    const pod = ops.filter((o) => o.includes('/ac/'));
    expect(pod.sort()).toEqual([...POD_OPS, ...POD_OPS.map((o) => o.replace(' /ac/', ' /malls/{mall_id}/ac/'))].sort());
    for (const o of POD_OPS) {
      const root = op(o);
      const inMall = op(o.replace(' /ac/', ' /malls/{mall_id}/ac/'));
      expect(root.tags).toEqual(['pod']);
      expect((root.parameters ?? []).map((p: Json) => p.name)).not.toContain('mall_id');
      expect(inMall.parameters.filter((p: Json) => p.in === 'path').map((p: Json) => p.name)).toEqual(o.includes('{id}') ? ['mall_id', 'id'] : ['mall_id']);
      expect({ ...inMall, operationId: undefined, parameters: undefined }).toEqual({ ...root, operationId: undefined, parameters: undefined });
    }
    expect(op('POST /ac/api/external/orders').operationId).toBe('postAcApiExternalOrders');
    expect(op('POST /malls/{mall_id}/ac/api/external/orders').operationId).toBe('postMallsMallIdAcApiExternalOrders');
    const ids = ops.map((o) => op(o).operationId as string);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.tags).toContainEqual({ name: 'pod', description: expect.any(String) });
  });

  test('Basic is a security scheme; the token endpoints take it, the orders API takes Basic or bearer with the scope', () => {
    expect(doc.components.securitySchemes.basic).toEqual({ type: 'http', scheme: 'basic', description: expect.stringContaining('base64(client_id:client_key)') });
    for (const o of POD_OPS.slice(0, 3)) expect(op(o).security).toEqual([{ basic: [] }]);
    expect(op('POST /ac/api/external/orders').security).toEqual([{ basic: ['mall.write_order'] }, { bearer: ['mall.write_order'] }]);
    expect(op('GET /ac/api/external/orders').security).toEqual([{ basic: ['mall.read_order'] }, { bearer: ['mall.read_order'] }]);
    expect(op('GET /ac/api/external/orders').responses['200'].headers).toMatchObject({ 'x-total-count': { schema: { type: 'integer' } }, 'X-Api-Call-Limit': expect.any(Object) });
    expect(op('POST /ac/oauth/ext/token').responses['401'].headers['Cache-Control'].schema).toEqual({ type: 'string', enum: ['no-store'] });
  });

  test('the orders body: the documented schema accepts exactly what the server accepts', async () => {
    const validate = ajv.compile(op('POST /ac/api/external/orders').requestBody.content['application/json'].schema);
    let n = 0;
    const order = (extra: Record<string, unknown> = {}, entry: Record<string, unknown> = {}, address: Record<string, unknown> = {}) => ({
      orderCode: `DOC-${++n}`,
      orderEntries: [{ projectId: mug, quantity: 1, ...entry }],
      shippingAddress: { recipient: 'Kim', postcode: '06236', address: 'Seoul', ...address },
      ...extra,
    });
    const cases: unknown[] = [
      { orders: [order()] },
      { orders: [order({ storeCustomerId: 'cust1', note: 'unknown fields are ignored' }, { productSellPrice: '1.5', color: 'red' }, { nationCode: 'JP', floor: 3 })], extra: true },
      { orders: [order({ storeCustomerId: null }, { projectId: String(mug), quantity: '2', productSellPrice: null }, { addressDetail: null, phoneNumber: null, nationCode: null })] },
      { orders: [order({ storeCustomerId: 'x'.repeat(64) })] },
      { orders: [order({ storeCustomerId: '고객 #1 "VIP"' })] },
      { orders: [order({ storeCustomerId: 'x'.repeat(65) })] },
      { orders: [order({ storeCustomerId: 'tab\there' })] },
      { orders: [order({ storeCustomerId: 7 })] },
      { orders: [order({}, { quantity: 0 })] },
      { orders: [order({}, { quantity: 10000 })] },
      { orders: [order({}, { quantity: 1.5 })] },
      { orders: [order({}, { projectId: '0' })] },
      { orders: [order({}, { productSellPrice: -1 })] },
      { orders: [order({}, { productSellPrice: '1.234' })] },
      { orders: [order({}, {}, { postcode: '' })] },
      { orders: [order({}, {}, { recipient: null })] },
      { orders: [order({}, {}, { nationCode: 'kr' })] },
      { orders: [order({ orderEntries: [] })] },
      { orders: [order({ shippingAddress: 'Seoul' })] },
      { orders: [] },
      { orders: Array.from({ length: 101 }, () => order()) },
      [order()],
    ];
    for (const body of cases) {
      const res = await post(`${s.url}/ac/api/external/orders`, auth, { json: body });
      const text = JSON.stringify(body).slice(0, 200);
      expect(res.status === 200, `${text}: server ${res.status}`).toBe(validate(body));
      if (res.status === 400) expect(await res.json(), text).toMatchObject({ errorKey: 'invalidParameter', field: expect.any(String) });
    }
  });

  test('the list\'s documented query parameters are accepted in range, refused out of it (400 naming them); others are ignored', async () => {
    const params = op('GET /ac/api/external/orders').parameters.filter((p: Json) => p.in === 'query') as Json[];
    expect(params.map((p) => p.name)).toEqual(['pageNo', 'pageSize']);
    for (const p of params) {
      // The deepest page is pageNo × pageSize ≤ 8000 (docs/podshop.md): pageNo's maximum with pages of one.
      const rest = p.name === 'pageNo' ? '&pageSize=1' : '';
      for (const value of [p.schema.minimum, p.schema.maximum]) {
        expect((await fetch(`${s.url}/ac/api/external/orders?${p.name}=${value}${rest}`, { headers: { authorization: auth } })).status).toBe(200);
      }
      for (const value of [p.schema.minimum - 1, p.schema.maximum + 1, 'x']) {
        const res = await fetch(`${s.url}/ac/api/external/orders?${p.name}=${value}`, { headers: { authorization: auth } });
        expect(res.status).toBe(400);
        expect(await res.json()).toEqual({
          errorKey: 'invalidParameter', title: 'Bad Request', status: 400, detail: `${p.name}: must be an integer from ${p.schema.minimum} to ${p.schema.maximum}`, field: p.name,
        });
      }
    }
    expect((await fetch(`${s.url}/ac/api/external/orders?sort=desc`, { headers: { authorization: auth } })).status).toBe(200);
  });

  test('every answer is what its documented response schema says: tokens, orders, and each error shape', async () => {
    const tokens = (await expectDocumented('POST /ac/oauth/ext/token', await post(`${s.url}/ac/oauth/ext/token`, auth), 200)) as PodTokens;
    const refreshed = await post(`${s.url}/ac/oauth/external/${clientId}/refresh?refreshToken=${tokens.refresh_token}`, auth);
    const t2 = (await expectDocumented('POST /ac/oauth/external/{id}/refresh', refreshed, 200)) as PodTokens;
    await expectDocumented('POST /ac/oauth/ext/token/refresh', await post(`${s.url}/ac/oauth/ext/token/refresh`, auth, { json: { refreshToken: t2.refresh_token } }), 200);
    await expectDocumented('POST /ac/oauth/ext/token/refresh', await post(`${s.url}/ac/oauth/ext/token/refresh`, auth), 400);
    await expectDocumented('POST /ac/oauth/ext/token/refresh', await post(`${s.url}/ac/oauth/ext/token/refresh?refreshToken=${tokens.refresh_token}`, auth), 401);
    await expectDocumented('POST /ac/oauth/ext/token', await post(`${s.url}/ac/oauth/ext/token`, 'Basic bm86bm8='), 401);
    await expectDocumented('POST /malls/{mall_id}/ac/oauth/ext/token', await post(`${s.mallUrl('nomall')}/ac/oauth/ext/token`, auth), 404);

    const orders = '/ac/api/external/orders';
    const body = { orders: [{ orderCode: 'ANS-1', storeCustomerId: 'cust1', orderEntries: [{ projectId: mug, quantity: 2 }], shippingAddress: { recipient: 'Kim', postcode: '06236', address: 'Seoul' } }] };
    await expectDocumented(`POST ${orders}`, await post(`${s.url}${orders}`, auth, { json: body }), 200);
    await expectDocumented(`POST ${orders}`, await post(`${s.url}${orders}`, auth, { json: body }), 400);
    // The reuse of a rotated refresh token above revoked that family: a new one.
    const t3 = (await (await post(`${s.url}/ac/oauth/ext/token`, auth)).json()) as PodTokens;
    const list = await fetch(`${s.url}${orders}?pageSize=100`, { headers: { authorization: `bearer ${t3.access_token}` } });
    expect(Number(list.headers.get('x-total-count'))).toBeGreaterThan(0);
    await expectDocumented(`GET ${orders}`, list, 200);
    await expectDocumented(`GET ${orders}`, await fetch(`${s.url}${orders}`, { headers: { authorization: 'bearer NoSuchToken' } }), 401);
    const reader = await seedCredentials(s, 'mall1', { scopes: ['mall.read_order'] });
    await expectDocumented(`POST ${orders}`, await post(`${s.url}${orders}`, basic(reader.clientId, reader.clientKey), { json: body }), 403);
    await expectDocumented(`GET /malls/{mall_id}${orders}`, await fetch(`${s.mallUrl('nomall')}${orders}`, { headers: { authorization: auth } }), 404);
    s.clock.advance(3600_000);
    const expired = await expectDocumented(`GET ${orders}`, await fetch(`${s.url}${orders}`, { headers: { authorization: `bearer ${t3.access_token}` } }), 401);
    expect(expired).toEqual({ errorKey: 'tokenHasExpired', title: 'Jwt Invalid', status: 401, detail: 'this token has expired.' });
  });
});
