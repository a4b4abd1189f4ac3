import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { generateSampleData, seedSampleData } from '../../src/api/sample-data.js';
import { main } from '../../src/cli/main.js';
import { openStore } from '../../src/store/kysely/store.js';
import { DIALECTS } from '../support/dialects.js';
import { PASSWORD } from '../support/fixtures.js';
import { startServer } from '../support/server.js';
import { ALL_SHOP_SCOPES, adminApi, tokenFor } from './helpers.js';

/** `shopauth mall create ... --sample-data`: hundreds of realistic records, deterministic. */
const NOW = Date.parse('2026-03-01T03:00:00.000Z');
const dir = mkdtempSync(join(tmpdir(), 'shopauth-sample-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sample data', () => {
  test('the generator is deterministic per seed and makes plausible records', () => {
    const a = generateSampleData(7, NOW);
    expect(generateSampleData(7, NOW)).toEqual(a);
    expect(generateSampleData(8, NOW)).not.toEqual(a);
    expect([a.products.length, a.customers.length, a.orders.length]).toEqual([240, 300, 500]);
    expect(new Set(a.customers.map((c) => c.memberId)).size).toBe(300);
    for (const p of a.products) {
      expect(p.price % 10_000).toBe(0); // whole hundreds of won, in hundredths
      expect(p.price).toBeGreaterThan(0);
      expect(p.productName).toMatch(/^[A-Za-z -]+ \([A-Za-z ]+\)$/);
    }
    for (const o of a.orders) {
      expect(o.items.length).toBeGreaterThanOrEqual(1);
      expect(o.orderedAt).toBeLessThanOrEqual(NOW);
      expect(o.paid).toBe(o.order_status === 'N00' ? 'F' : 'T');
    }
    expect(a.orders.filter((o) => o.member_id === null).length).toBeGreaterThan(50);
    // Every order within the last 90 days: one Cafe24 order list (at most 3 months) reads them all.
    for (const o of a.orders) expect(NOW - o.orderedAt).toBeLessThan(90 * 86_400_000);
    // The catalogue: every product in a category; some with Color x Size variants; storefront tags.
    expect(a.categories).toHaveLength(16);
    expect(a.productCategories).toHaveLength(240);
    expect(a.productOptions.length).toBeGreaterThan(30);
    for (const po of a.productOptions) expect(po.quantities).toHaveLength(po.options.reduce((n, o) => n * o.values.length, 1));
    expect(a.scripttags.map((t) => t.displayLocation)).toEqual([['PRODUCT_DETAIL'], ['all']]);
  });

  test('mall create --sample-data --seed fills the mall, and the API serves it', async () => {
    const db = join(dir, 'sandbox.db');
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['mall', 'create', 'sandbox', '--operator', 'boss', '--password', PASSWORD, '--sample-data', '--seed', '7', '--db', db, '--json'], {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
    });
    expect({ code, err }).toEqual({ code: 0, err: [] });
    expect(JSON.parse(out[0]!)).toEqual({
      mall_id: 'sandbox', name: 'sandbox', timezone: 'Asia/Seoul', shop_no: 1, operator: 'boss',
      sample_data: { products: 240, customers: 300, orders: 500, categories: 16, variants: variantsOf(generateSampleData(7, NOW)), scripttags: 2 },
    });
    const s = await startServer({ db, config: { rateLimit: null } });
    try {
      const scopes = [...ALL_SHOP_SCOPES, 'mall.read_category'];
      const api = adminApi(s, 'sandbox', (await tokenFor(s, 'sandbox', { scopes, appScopes: scopes })).token);
      expect((await api.get('/products/count')).body).toEqual({ count: 240 });
      // The CLI ran on the real clock: its orders are within the 90 days before now.
      const day = (t: number) => new Date(t).toISOString().slice(0, 10);
      const end = new Date(Date.now() + 86_400_000);
      const start = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() - 3, end.getUTCDate()));
      const range = `start_date=${day(start.getTime())}&end_date=${day(end.getTime())}`;
      expect((await api.get(`/orders/count?${range}`)).body).toEqual({ count: 500 });
      expect((await api.get('/customers?limit=100&offset=200')).body.customers).toHaveLength(100);
      const page = (await api.get(`/orders?limit=100&offset=400&embed=items&${range}`)).body.orders as Json[];
      expect(page).toHaveLength(100);
      for (const o of page) {
        const items = (o.items as Json[]).reduce((sum, i) => sum + Number(i.product_price) * Number(i.quantity), 0);
        expect(Number(o.actual_order_amount.order_price_amount)).toBeCloseTo(items, 2);
        expect(Number(o.payment_amount)).toBeCloseTo(items + Number(o.actual_order_amount.shipping_fee), 2);
      }
      const dates = page.map((o) => String(o.order_date));
      expect([...dates].sort()).toEqual(dates);
      // Categories, products in them, variants with inventories.
      const cats = (await api.get('/categories?limit=100')).body.categories as Json[];
      expect(cats).toHaveLength(16);
      const coats = cats.find((c) => c.category_name === 'Coats')!;
      expect(coats).toMatchObject({ category_depth: 2, full_category_name: { 1: 'Outer', 2: 'Coats', 3: null, 4: null } });
      const inCoats = (await api.get(`/products?category=${coats.category_no}&embed=inventories&limit=100`)).body.products as Json[];
      expect(inCoats.length).toBeGreaterThan(0);
      for (const p of inCoats) expect((p.category as Json[]).map((c) => c.category_no)).toContain(coats.category_no);
      const withVariants = inCoats.find((p) => (p.variants as Json[]).length > 0)!;
      expect(withVariants.variants[0]).toMatchObject({ options: [{ name: 'Color' }, { name: 'Size', value: 'S' }], inventories: [{ use_inventory: 'T', quantity: expect.any(Number) }] });
      // The sample scripttags belong to no app: not in an app's list, but on the storefront preview.
      const store = await fetch(`${s.mallUrl('sandbox')}/storefront/product/detail.html`);
      const html = await store.text();
      expect(html).toContain('<script src="https://widgets.example.com/reviews/v2/reviews.js"');
      expect(html).toContain('<script src="https://analytics.example.net/collect.js"');
    } finally {
      await s.close();
    }
    // A second mall with --seed but no --sample-data is a usage error.
    const usage = await main(['mall', 'create', 'other', '--seed', '3', '--db', db], { out: () => {}, err: () => {} });
    expect(usage).toBe(2);
  });
});

type Json = Record<string, any>;
const variantsOf = (d: ReturnType<typeof generateSampleData>) => d.productOptions.reduce((n, po) => n + po.quantities.length, 0);

describe.each(DIALECTS)('seedSampleData on $name', (dialect) => {
  test('writes every record in one transaction', async () => {
    const opened = dialect.open();
    const store = await openStore(opened.url);
    try {
      const clock = new ManualClock(NOW);
      await store.malls.create({ mallId: 'm1', name: 'm1', timezone: 'Asia/Seoul', shopNo: 1, createdAt: NOW });
      const mall = (await store.malls.get('m1'))!;
      expect(await seedSampleData({ store, clock }, mall, { seed: 3 })).toEqual({ products: 240, customers: 300, orders: 500, categories: 16, variants: variantsOf(generateSampleData(3, NOW)), scripttags: 2 });
      expect(await store.shop.categories.count('m1', {})).toBe(16);
      expect((await store.shop.categories.linksOf('m1', [1, 2, 3])).length).toBeGreaterThanOrEqual(3);
      expect(await store.shop.orders.count('m1', {})).toBe(500);
      const [first] = await store.shop.orders.list('m1', {}, { limit: 1, offset: 0 });
      expect(first!.orderId).toMatch(/^\d{8}-0000001$/);
    } finally {
      await store.close();
      await opened.drop();
    }
  });
});
