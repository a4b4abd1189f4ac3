import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ProductInput } from '../../src/store/shop-types.js';
import { openStore, type KyselyStore } from '../../src/store/kysely/store.js';
import { DIALECTS } from '../support/dialects.js';

/** The store contract of issue 16 (categories, links, scripttags, variants, usage limits, order status), on every dialect. */
describe.each(DIALECTS)('catalogue store on $name', (dialect) => {
  let store: KyselyStore;
  let drop: () => Promise<void>;
  const T = 1_772_334_000_123;
  const product: ProductInput = {
    customProductCode: '', productName: 'Shirt', engProductName: '', modelName: '', price: 100, retailPrice: 0, supplyPrice: 0,
    display: 'T', selling: 'T', summaryDescription: '', stockQuantity: 4,
  };
  const inv = { useInventory: 'F' as const, importantInventory: 'A' as const, inventoryControlType: 'A' as const, displaySoldout: 'F' as const, quantity: 4, safetyInventory: 0 };

  beforeAll(async () => {
    const opened = dialect.open();
    drop = opened.drop;
    store = await openStore(opened.url);
    for (const m of ['m1', 'm2']) await store.malls.create({ mallId: m, name: m, timezone: 'Asia/Seoul', shopNo: 1, createdAt: T });
    await store.shop.products.create('m1', [product, { ...product, productName: 'Mug 100%_off' }], T);
  });
  afterAll(async () => {
    await store.close();
    await drop();
  });

  test('categories: numbered per mall from 24, filters, links, delete takes the links', async () => {
    const base = { displayType: 'A' as const, useDisplay: 'T' as const, useMain: 'F' as const, displayOrder: 0 };
    const [top] = await store.shop.categories.create('m1', [{ ...base, categoryName: 'Tops 50%', parentCategoryNo: 1, categoryDepth: 1 }], T);
    const [sub] = await store.shop.categories.create('m1', [{ ...base, categoryName: 'Shirts', parentCategoryNo: top!.categoryNo, categoryDepth: 2 }], T);
    const [other] = await store.shop.categories.create('m2', [{ ...base, categoryName: 'Elsewhere', parentCategoryNo: 1, categoryDepth: 1 }], T);
    expect([top!.categoryNo, sub!.categoryNo, other!.categoryNo]).toEqual([24, 25, 24]);
    expect(await store.shop.categories.count('m1', { categoryName: ['50%'] })).toBe(1); // % is literal
    expect(await store.shop.categories.count('m1', { categoryDepth: [2], parentCategoryNo: [24] })).toBe(1);
    expect(await store.shop.categories.hasChildren('m1', 24)).toBe(true);
    await store.shop.categories.link('m1', [{ productNo: 1, categoryNo: 25, recommend: 'T', new: 'F' }, { productNo: 2, categoryNo: 24, recommend: 'F', new: 'F' }], []);
    expect(await store.shop.products.count('m1', { categoryNo: [25] })).toBe(1);
    expect((await store.shop.products.list('m1', { categoryNo: [24, 25] }, { limit: 10, offset: 0 })).map((p) => p.productNo)).toEqual([1, 2]);
    await store.shop.categories.link('m1', [{ productNo: 1, categoryNo: 25, recommend: 'F', new: 'T' }], [{ productNo: 2, categoryNo: 24 }]);
    expect(await store.shop.categories.linksOf('m1', [1, 2])).toEqual([{ productNo: 1, categoryNo: 25, recommend: 'F', new: 'T' }]);
    expect(await store.shop.categories.delete('m1', 25)).toBe(true);
    expect(await store.shop.categories.linksOf('m1', [1])).toEqual([]);
    expect((await store.shop.categories.update('m1', 24, { categoryName: 'Tops' }, T + 1))!.updatedAt).toBe(T + 1);
  });

  test('variants: one per combination, codes from the product code, updates; gone with the product', async () => {
    const made = await store.shop.variants.setOptions('m1', 1, 'P0000001', [{ name: 'Color', values: ['Red', 'Blue'] }, { name: 'Size', values: ['S', 'M', 'L'] }], T, inv);
    expect(made.map((v) => v.variantCode)).toEqual(['P00000010001', 'P00000010002', 'P00000010003', 'P00000010004', 'P00000010005', 'P00000010006']);
    expect(made[4]!.options).toEqual([{ name: 'Color', value: 'Blue' }, { name: 'Size', value: 'M' }]);
    expect(await store.shop.variants.options('m1', 1)).toEqual([{ name: 'Color', values: ['Red', 'Blue'] }, { name: 'Size', values: ['S', 'M', 'L'] }]);
    const u = await store.shop.variants.update('m1', 1, 'P00000010002', { quantity: 9, additionalAmount: -50_000, useInventory: 'T' }, T + 5);
    expect(u).toMatchObject({ quantity: 9, additionalAmount: -50_000, useInventory: 'T', updatedAt: T + 5 });
    expect(await store.shop.variants.get('m1', 2, 'P00000010002')).toBeUndefined();
    expect(await store.shop.variants.setOptions('m1', 1, 'P0000001', [{ name: 'Color', values: ['Red'] }], T, inv)).toHaveLength(1);
    await store.shop.products.delete('m1', 1);
    expect(await store.shop.variants.list('m1', [1])).toEqual([]);
  });

  test('scripttags: per mall, filters on owner, location and skin; usage limits per app', async () => {
    const t = await store.shop.scripttags.create('m1', { clientId: 'app-a', src: 'https://a.example/x.js', displayLocation: ['MAIN'], excludePath: ['/x'], skinNo: [2], integrity: null }, T);
    await store.shop.scripttags.create('m1', { clientId: 'app-b', src: 'https://b.example/y.js', displayLocation: ['all'], excludePath: [], skinNo: [], integrity: 'sha384-abc' }, T);
    expect(t.scriptNo).toMatch(/^\d{16}$/);
    expect((await store.shop.scripttags.list('m1', { clientId: 'app-a' })).map((x) => x.src)).toEqual(['https://a.example/x.js']);
    expect((await store.shop.scripttags.list('m1', { displayLocation: ['PRODUCT_LIST'] })).map((x) => x.clientId)).toEqual(['app-b']);
    expect((await store.shop.scripttags.list('m1', { skinNo: [1] })).map((x) => x.clientId)).toEqual(['app-b']);
    expect(await store.shop.scripttags.list('m2', {})).toEqual([]);
    expect((await store.shop.scripttags.update('m1', t.scriptNo, { excludePath: [], skinNo: [] }, T + 1))).toMatchObject({ excludePath: [], skinNo: [], updatedAt: T + 1 });
    expect(await store.shop.scripttags.delete('m1', t.scriptNo)).toBe(true);
    expect(await store.shop.scripttags.get('m1', t.scriptNo)).toBeUndefined();
    await store.apps.create({ clientId: 'app-a', secretHash: null, kind: 'app', mallId: null, name: 'A', appUrl: 'https://a.example', redirectUris: ['https://a.example/cb'], scopes: [], clientType: 'public', rateLimit: null, apiVersion: null, createdAt: T, revokedAt: null });
    expect(await store.shop.usageLimits.get('app-a')).toBeUndefined();
    await store.shop.usageLimits.set('app-a', '5/1/10');
    await store.shop.usageLimits.set('app-a', 'off');
    expect(await store.shop.usageLimits.get('app-a')).toBe('off');
    await store.shop.usageLimits.set('app-a', null);
    expect(await store.shop.usageLimits.get('app-a')).toBeUndefined();
  });
});

describe.each(DIALECTS)('migrations 011 and 012 on $name', (dialect) => {
  test('a database made before them (013 already applied) gets them at the next start', async () => {
    const { Migrator } = await import('kysely');
    const { migrationProvider } = await import('../../src/store/migrations/index.js');
    // SQLite: a file, so the second open sees the first's database (":memory:" would be a new one).
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'shopauth-mig-'));
    const opened = dialect.name === 'sqlite' ? { url: join(dir, 'm.db'), drop: async () => rmSync(dir, { recursive: true, force: true }) } : dialect.open();
    // Migrate to what the database had before issue 16: every migration but 011 and 012.
    const first = await openStore(opened.url, { migrate: false });
    try {
      const all = await migrationProvider.getMigrations();
      const before = Object.fromEntries(Object.entries(all).filter(([name]) => !/^01[12]-/.test(name)));
      const schema = first.schema;
      const r = await new Migrator({ db: first.db as unknown as import('kysely').Kysely<unknown>, provider: { getMigrations: async () => before }, ...(schema ? { migrationTableSchema: schema } : {}) }).migrateToLatest();
      expect(r.error).toBeUndefined();
    } finally {
      await first.close();
    }
    const later = await openStore(opened.url);
    try {
      const applied = await later.db.selectFrom('kysely_migration' as never).select('name' as never).execute();
      expect((applied as { name: string }[]).map((r) => r.name).filter((n) => /^01[1-3]-/.test(n)).sort()).toEqual(['011-categories-scripttags', '012-variants', '013-developers']);
      expect(await later.shop.categories.count('none', {})).toBe(0);
      expect(await later.shop.variants.list('none', [1])).toEqual([]);
    } finally {
      await later.close();
      await opened.drop();
    }
  });
});
