import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ProductInput } from '../../src/store/shop-types.js';
import { authorizeCode } from '../support/browser.js';
import { basic, REDIRECT_URI, seedApp, seedMall } from '../support/fixtures.js';
import { postForm } from '../support/oauth.js';
import { startServer, type TestServer } from '../support/server.js';
import { seedCredentials } from '../podshop/support.js';

/**
 * GET /openapi.json as @fastify/swagger makes it from the routes (src/http/openapi.ts): a valid
 * OpenAPI 3.1 document, every route the server registers in it, a schema for every success, and
 * real answers that match their documented schemas.
 */
type Json = Record<string, any>;
let s: TestServer;
let doc: Json;
const registered: RouteOptions[] = [];
const ajv = new Ajv2020({ strict: false, allowUnionTypes: true, validateFormats: false });

beforeAll(async () => {
  // demo: the demo pages are routes too.
  s = await startServer({ demo: true, onRoute: (r) => registered.push(r) });
  await seedMall(s, 'mall1');
  const res = await fetch(`${s.url}/openapi.json`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
  doc = (await res.json()) as Json;
});
afterAll(() => s.close());

/** Fastify's path template as OpenAPI writes it: /a/:b -> /a/{b}. */
const template = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
const documented = () => new Set(Object.entries(doc.paths as Json).flatMap(([path, item]) => Object.keys(item as Json).map((m) => `${m.toUpperCase()} ${path}`)));
const operations = () => Object.entries(doc.paths as Json).flatMap(([path, item]) => Object.entries(item as Json).map(([method, op]) => ({ path, method, op: op as Json })));

/** The documented schema of an answer, and the check that the body is what it says. */
function expectDocumented(method: string, path: string, status: number, body: unknown, type = 'application/json'): void {
  const schema = doc.paths[path]?.[method.toLowerCase()]?.responses?.[String(status)]?.content?.[type]?.schema;
  expect(schema, `${method} ${path} ${status} is documented`).toBeDefined();
  const validate = ajv.compile(schema);
  expect(validate(body), `${method} ${path} ${status}: ${JSON.stringify(body).slice(0, 300)} ${ajv.errorsText(validate.errors)}`).toBe(true);
}

describe('/openapi.json', () => {
  test('is a valid OpenAPI 3.1 document (@seriousme/openapi-schema-validator)', async () => {
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['basic', 'bearer', 'clientSecretBasic']);
  });

  test('every route the server registers is in it, same method and path template; it lists nothing else', () => {
    const ops = documented();
    const routes = registered.flatMap((r) => [r.method].flat().map((method) => ({ method, url: r.url, errors: r.config?.errors })));
    const byKey = new Map(routes.map((r) => [`${r.method} ${r.url}`, r]));
    const excluded: string[] = [];
    for (const r of routes) {
      const key = `${r.method} ${template(r.url)}`;
      // Excluded 1: the HEAD route Fastify adds beside each GET (exposeHeadRoutes); its GET is checked as a route.
      if (r.method === 'HEAD') {
        expect(byKey.has(`GET ${r.url}`), `${key}: its GET`).toBe(true);
        excluded.push(key);
        continue;
      }
      // Excluded 2: the host form of tenancy ({mall_id}.{mall domain}, http/tenancy.ts), the same route
      // as the path form's without /malls/{mall_id}; the path form is listed.
      const pathForm = byKey.get(`${r.method} /malls/:mall_id${r.url}`);
      if (!r.url.startsWith('/malls/') && !ops.has(key) && pathForm?.errors === r.errors) {
        expect(ops, `${key}: its path form`).toContain(`${r.method} /malls/{mall_id}${template(r.url)}`);
        excluded.push(key);
        continue;
      }
      expect(ops, key).toContain(key);
    }
    // Both exclusions happen, and nothing else is documented than the registered routes.
    expect(excluded.filter((k) => k.startsWith('HEAD ')).length).toBeGreaterThan(10);
    expect(excluded.filter((k) => k.startsWith('GET /api/v2/admin/products')).length).toBeGreaterThan(0);
    const listed = new Set(routes.map((r) => `${r.method} ${template(r.url)}`));
    for (const op of ops) expect(listed, op).toContain(op);
    expect(ops.size).toBeGreaterThan(120);
  });

  test('every operation: a unique id, tags, each path parameter described, and a success or a redirect', () => {
    const ids = new Set<string>();
    for (const { path, method, op } of operations()) {
      const name = `${method.toUpperCase()} ${path}`;
      expect(ids.has(op.operationId), `${name}: operationId ${op.operationId}`).toBe(false);
      ids.add(op.operationId);
      expect(op.tags?.length, name).toBeGreaterThan(0);
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      expect(((op.parameters ?? []) as Json[]).filter((p) => p.in === 'path').map((p) => p.name).sort(), name).toEqual(inPath.sort());
      expect(Object.keys(op.responses).some((code) => /^[23]/.test(code)), name).toBe(true);
    }
  });

  test('every documented 2xx response has a schema', () => {
    let n = 0;
    for (const { path, method, op } of operations()) {
      for (const [code, answer] of Object.entries(op.responses as Json)) {
        if (!code.startsWith('2')) continue;
        const media = Object.entries((answer as Json).content ?? {});
        expect(media.length, `${method.toUpperCase()} ${path} ${code}: content`).toBeGreaterThan(0);
        for (const [type, m] of media) expect((m as Json).schema, `${method.toUpperCase()} ${path} ${code} ${type}`).toBeTypeOf('object');
        n++;
      }
    }
    expect(n).toBeGreaterThanOrEqual(100);
  });

  test('real answers match their documented schemas: the token endpoint (both grants), the products list, a POD Shop read, metadata and keys', async () => {
    const TOKEN = '/malls/{mall_id}/api/v2/oauth/token';
    const scopes = ['mall.read_product', 'mall.write_product'];
    const app = await seedApp(s, { scopes });
    const code = await authorizeCode(s, { mallId: 'mall1', clientId: app.clientId, scope: scopes.join(',') });
    const issued = await postForm(s, 'mall1', 'token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI }, app);
    expect(issued.status).toBe(200);
    expect(issued.headers.get('cache-control')).toBe('no-store');
    const tokens = (await issued.json()) as Json;
    // The field the hand-written document had lost (issue 14): on the wire and in the schema.
    expect(tokens.refresh_token_expires_in).toBe(14 * 86400);
    expect(doc.paths[TOKEN].post.responses['200'].content['application/json'].schema.required).toContain('refresh_token_expires_in');
    expectDocumented('POST', TOKEN, 200, tokens);
    const refreshed = await postForm(s, 'mall1', 'token', { grant_type: 'refresh_token', refresh_token: String(tokens.refresh_token) }, app);
    expect(refreshed.status).toBe(200);
    expectDocumented('POST', TOKEN, 200, await refreshed.json());
    const refused = await postForm(s, 'mall1', 'token', { grant_type: 'refresh_token', refresh_token: String(tokens.refresh_token) }, app);
    expect(refused.status).toBe(400);
    expectDocumented('POST', TOKEN, 400, await refused.json());
    const access = String(((await (await postForm(s, 'mall1', 'token', { grant_type: 'authorization_code', code: await authorizeCode(s, { mallId: 'mall1', clientId: app.clientId, scope: scopes.join(',') }), redirect_uri: REDIRECT_URI }, app)).json()) as Json).access_token);
    const introspected = await postForm(s, 'mall1', 'introspect', { token: access }, app);
    expectDocumented('POST', '/malls/{mall_id}/api/v2/oauth/introspect', 200, await introspected.json());

    // The products list (its response schema is also its serializer: documented as it serializes).
    const admin = `${s.mallUrl('mall1')}/api/v2/admin`;
    const headers = { authorization: `Bearer ${access}`, 'content-type': 'application/json' };
    expect((await fetch(`${admin}/products`, { method: 'POST', headers, body: JSON.stringify({ request: { product_name: 'Mug', price: '1000', add_category_no: [] } }) })).status).toBe(201);
    const LIST = '/malls/{mall_id}/api/v2/admin/products';
    for (const query of ['', '?embed=variants,inventories', '?fields=product_no,price']) {
      const list = await fetch(`${admin}/products${query}`, { headers });
      expect(list.status).toBe(200);
      const body = (await list.json()) as Json;
      expect(body.products.length).toBe(1);
      expectDocumented('GET', LIST, 200, body);
    }
    const unknownQuery = await fetch(`${admin}/products?undocumented=1`, { headers });
    expect(unknownQuery.status).toBe(422);
    expectDocumented('GET', LIST, 422, await unknownQuery.json());

    // A POD Shop read: the orders list with Basic API credentials, and its x-total-count.
    const product: ProductInput = { customProductCode: '', productName: 'Cup', engProductName: '', modelName: '', price: 500_000, retailPrice: 0, supplyPrice: 0, display: 'T', selling: 'T', summaryDescription: '', stockQuantity: 5 };
    const [cup] = (await s.store.shop.products.create('mall1', [product], s.clock.now())).map((p) => p.productNo);
    const creds = await seedCredentials(s, 'mall1', { scopes: ['mall.read_order', 'mall.write_order'] });
    const auth = basic(creds.clientId, creds.clientKey);
    const order = { orders: [{ orderCode: 'DOC-1', orderEntries: [{ projectId: cup, quantity: 1 }], shippingAddress: { recipient: 'Kim', postcode: '06236', address: 'Seoul' } }] };
    const created = await fetch(`${s.url}/ac/api/external/orders`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(order) });
    expect(created.status).toBe(200);
    expectDocumented('POST', '/ac/api/external/orders', 200, await created.json());
    const orders = await fetch(`${s.url}/ac/api/external/orders`, { headers: { authorization: auth } });
    expect(orders.status).toBe(200);
    expect(orders.headers.get('x-total-count')).toBe('1');
    expect(doc.paths['/ac/api/external/orders'].get.responses['200'].headers['x-total-count'].schema).toEqual({ type: 'integer' });
    expectDocumented('GET', '/ac/api/external/orders', 200, await orders.json());
    const podToken = await fetch(`${s.url}/ac/oauth/ext/token`, { method: 'POST', headers: { authorization: auth } });
    expectDocumented('POST', '/ac/oauth/ext/token', 200, await podToken.json());

    // The JSON answers written by hand at the root.
    expectDocumented('GET', '/malls/{mall_id}/.well-known/oauth-authorization-server', 200, await (await fetch(`${s.mallUrl('mall1')}/.well-known/oauth-authorization-server`)).json());
    expectDocumented('GET', '/.well-known/oauth-authorization-server/malls/{mall_id}', 200, await (await fetch(`${s.url}/.well-known/oauth-authorization-server/malls/mall1`)).json());
    expectDocumented('GET', '/.well-known/jwks.json', 200, await (await fetch(`${s.url}/.well-known/jwks.json`)).json());
    expectDocumented('GET', '/healthz', 200, await (await fetch(`${s.url}/healthz`)).json());
    expectDocumented('GET', '/readyz', 200, await (await fetch(`${s.url}/readyz`)).json());
    expectDocumented('GET', '/openapi.json', 200, doc);
  });
});
