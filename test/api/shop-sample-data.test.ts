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
import { adminApi, tokenFor } from './helpers.js';

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
      mall_id: 'sandbox', name: 'sandbox', timezone: 'Asia/Seoul', shop_no: 1, operator: 'boss', sample_data: { products: 240, customers: 300, orders: 500 },
    });
    const s = await startServer({ db, config: { rateLimit: null } });
    try {
      const api = adminApi(s, 'sandbox', (await tokenFor(s, 'sandbox')).token);
      expect((await api.get('/products/count')).body).toEqual({ count: 240 });
      expect((await api.get('/orders/count')).body).toEqual({ count: 500 });
      expect((await api.get('/customers?limit=100&offset=200')).body.customers).toHaveLength(100);
      const page = (await api.get('/orders?limit=100&offset=400')).body.orders as Json[];
      expect(page).toHaveLength(100);
      for (const o of page) {
        const items = (o.items as Json[]).reduce((sum, i) => sum + Number(i.product_price) * Number(i.quantity), 0);
        expect(Number(o.actual_order_amount.order_price_amount)).toBeCloseTo(items, 2);
        expect(Number(o.payment_amount)).toBeCloseTo(items + Number(o.actual_order_amount.shipping_fee), 2);
      }
      const dates = page.map((o) => String(o.order_date));
      expect([...dates].sort()).toEqual(dates);
    } finally {
      await s.close();
    }
    // A second mall with --seed but no --sample-data is a usage error.
    const usage = await main(['mall', 'create', 'other', '--seed', '3', '--db', db], { out: () => {}, err: () => {} });
    expect(usage).toBe(2);
  });
});

type Json = Record<string, any>;

describe.each(DIALECTS)('seedSampleData on $name', (dialect) => {
  test('writes every record in one transaction', async () => {
    const opened = dialect.open();
    const store = await openStore(opened.url);
    try {
      const clock = new ManualClock(NOW);
      await store.malls.create({ mallId: 'm1', name: 'm1', timezone: 'Asia/Seoul', shopNo: 1, createdAt: NOW });
      const mall = (await store.malls.get('m1'))!;
      expect(await seedSampleData({ store, clock }, mall, { seed: 3 })).toEqual({ products: 240, customers: 300, orders: 500 });
      expect(await store.shop.orders.count('m1', {})).toBe(500);
      const [first] = await store.shop.orders.list('m1', {}, { limit: 1, offset: 0 });
      expect(first!.orderId).toMatch(/^\d{8}-0000001$/);
    } finally {
      await store.close();
      await opened.drop();
    }
  });
});
