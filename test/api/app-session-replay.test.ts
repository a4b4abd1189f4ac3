import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { seedSampleData } from '../../src/api/sample-data.js';
import { seedMall } from '../support/fixtures.js';
import { startServer, type TestServer } from '../support/server.js';
import { adminApi, tokenFor } from './helpers.js';

/**
 * Replays a recorded session of a typical app (sessions/typical-app.json) against a real server
 * on loopback, over a mall with the sample data: every call's status, the fields it expects, and
 * the usage headers an app paces itself by, then checks what the answers add up to.
 */
interface Call { method: string; path: string; body?: unknown; status: number; expect?: unknown; save?: Record<string, string> }
const session = JSON.parse(readFileSync(new URL('./sessions/typical-app.json', import.meta.url), 'utf8')) as { scopes: string[]; calls: Call[] };

let s: TestServer;
beforeAll(async () => {
  s = await startServer({ config: { rateLimit: { size: 40, perSecond: 2 } } });
  await seedMall(s, 'mall1');
  await seedSampleData({ store: s.store, clock: s.clock }, (await s.store.malls.get('mall1'))!, { seed: 5 });
});
afterAll(() => s.close());

type Json = Record<string, any>;
const at = (body: unknown, path: string): unknown => path.split('.').reduce<unknown>((v, k) => (v as Json | undefined)?.[k], body);

test('a typical app: install, a scripttag, products with variants, a month of orders with items', async () => {
  // Install: the operator consents in the browser flow, the app exchanges the code.
  const { token } = await tokenFor(s, 'mall1', { scopes: session.scopes, appScopes: session.scopes });
  const api = adminApi(s, 'mall1', token);
  const saved: Record<string, string> = {};
  const fill = (text: string) => text.replace(/<([a-z_]+)>/g, (_, k: string) => saved[k] ?? `<${k}>`);
  const answers: Json[] = [];
  for (const [i, call] of session.calls.entries()) {
    const r = await api.call(call.method, fill(call.path), call.body === undefined ? {} : { body: call.body });
    const where = `call ${i + 1}: ${call.method} ${fill(call.path)}`;
    expect(r.status, `${where} -> ${JSON.stringify(r.body)}`).toBe(call.status);
    if (call.expect !== undefined) expect(r.body, where).toMatchObject(JSON.parse(fill(JSON.stringify(call.expect))));
    // The headers an app paces itself by, on every answer.
    expect(r.headers.get('x-api-call-limit'), where).toBe(`${i + 1}/40`);
    expect(Number(r.headers.get('x-cafe24-call-usage')), where).toBeCloseTo(((i + 1) / 600) * 100, 1);
    expect(r.headers.get('x-cafe24-time-usage'), where).toMatch(/^\d+(\.\d+)?$/);
    expect(r.headers.get('x-cafe24-api-version'), where).toBe('2025-12-01');
    for (const [name, path] of Object.entries(call.save ?? {})) saved[name] = String(at(r.body, path));
    answers.push(r.body as Json);
  }
  // What the answers add up to.
  const products = answers[5]!.products as Json[];
  expect(products.length).toBe(100);
  expect(products.some((p) => (p.variants as Json[]).length > 0 && (p.variants as Json[]).every((v) => v.inventories[0].quantity >= 0))).toBe(true);
  expect(Object.keys(products[0]!)).toEqual(['product_no', 'product_code', 'product_name', 'price', 'category', 'variants']);
  expect((answers[6]!.variants as Json[]).length).toBe((products[0]!.variants as Json[]).length);
  expect((answers[7]!.categories as Json[]).map((c) => c.category_name)).toEqual(['Outer', 'Tops', 'Bottoms', 'Dresses', 'Bags & Shoes', 'Accessories', 'Living']);
  const orders = answers[9]!.orders as Json[];
  expect(orders.length).toBe(Number(saved.orders));
  expect(orders.length).toBeGreaterThan(50);
  for (const o of orders) {
    expect(String(o.order_date) >= '2026-02-01' && String(o.order_date) < '2026-03-01').toBe(true);
    expect((o.items as Json[]).length).toBeGreaterThan(0);
  }
  // The tag was on the storefront's product pages while it lived, and is gone after the delete.
  expect(await (await fetch(`${s.mallUrl('mall1')}/storefront/product/detail.html`)).text()).not.toContain('reviews.app.example');
});
