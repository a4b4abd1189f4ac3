import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { OrderInput, ProductInput } from '../../src/store/shop-types.js';
import { openStore, type KyselyStore } from '../../src/store/kysely/store.js';
import { DIALECTS } from '../support/dialects.js';

/** The shop data contract (src/store/shop-types.ts), run on every dialect. */
describe.each(DIALECTS)('shop store on $name', (dialect) => {
  let store: KyselyStore;
  let drop: () => Promise<void>;
  const T = 1_772_334_000_123;

  const product = (name: string, over: Partial<ProductInput> = {}): ProductInput => ({
    customProductCode: '', productName: name, engProductName: '', modelName: '', price: 1_500_000, retailPrice: 0, supplyPrice: 0,
    display: 'T', selling: 'T', summaryDescription: '', stockQuantity: 5, ...over,
  });
  const order = (over: Partial<OrderInput> = {}): OrderInput => ({
    memberId: null, buyerName: 'Kim', buyerEmail: 'kim@example.com', buyerCellphone: '010-1234-5678',
    receiver: { name: 'Kim', zipcode: '04524', address1: 'Seoul', address2: '1F', cellphone: '010-1234-5678', countryCode: 'KR' },
    orderStatus: 'N00', paid: 'F', currency: 'KRW', orderPriceAmount: 3_000_000, shippingFee: 250_000, paymentAmount: 3_250_000, orderedAt: T,
    items: [{ productNo: 1, productCode: 'P0000001', productName: 'Mug', quantity: 2, productPrice: 1_500_000 }],
    ...over,
  });
  const id = (seq: number) => `20260301-${String(seq).padStart(7, '0')}`;

  beforeAll(async () => {
    const opened = dialect.open();
    drop = opened.drop;
    store = await openStore(opened.url);
    for (const m of ['m1', 'm2']) await store.malls.create({ mallId: m, name: m, timezone: 'Asia/Seoul', shopNo: 1, createdAt: T });
  });
  afterAll(async () => {
    await store.close();
    await drop();
  });

  test('products are numbered per mall from 1, with Cafe24 product codes, money as integers', async () => {
    const made = await store.shop.products.create('m1', [product('Ceramic Mug'), product('Linen 100% Shirt', { display: 'F' })], T);
    expect(made.map((p) => [p.productNo, p.productCode])).toEqual([[1, 'P0000001'], [2, 'P0000002']]);
    const [other] = await store.shop.products.create('m2', [product('Other mall')], T);
    expect(other!.productNo).toBe(1);
    expect(await store.shop.products.get('m1', 1)).toEqual({
      mallId: 'm1', productNo: 1, productCode: 'P0000001', customProductCode: '', productName: 'Ceramic Mug', engProductName: '', modelName: '',
      price: 1_500_000, retailPrice: 0, supplyPrice: 0, display: 'T', selling: 'T', summaryDescription: '', stockQuantity: 5, createdAt: T, updatedAt: T,
    });
    expect((await store.shop.products.create('m1', Array.from({ length: 9 }, (_, i) => product(`Bulk ${i}`)), T)).at(-1)!.productCode).toBe('P000000B');
  });

  test('product filters: OR within a filter, AND across, substring names with wildcards escaped, stable order', async () => {
    const names = async (f: Parameters<typeof store.shop.products.list>[1], limit = 100, offset = 0) =>
      (await store.shop.products.list('m1', f, { limit, offset })).map((p) => p.productName);
    expect(await names({ productNo: [2, 1, 99] })).toEqual(['Ceramic Mug', 'Linen 100% Shirt']);
    expect(await names({ productName: ['mug', 'SHIRT'] })).toEqual(['Ceramic Mug', 'Linen 100% Shirt']);
    expect(await names({ productName: ['100%'] })).toEqual(['Linen 100% Shirt']);
    expect(await names({ productName: ['%'] })).toEqual(['Linen 100% Shirt']);
    expect(await names({ productName: ['_'] })).toEqual([]);
    expect(await names({ display: 'F' })).toEqual(['Linen 100% Shirt']);
    expect(await names({ productName: ['mug'], display: 'F' })).toEqual([]);
    expect(await names({}, 2, 3)).toEqual(['Bulk 1', 'Bulk 2']);
    expect(await store.shop.products.count('m1', {})).toBe(11);
    expect(await store.shop.products.count('m2', {})).toBe(1);
    expect(await store.shop.products.count('m1', { productCode: ['P0000001', 'P000000B'] })).toBe(2);
  });

  test('update changes only the given fields; delete removes; both stay inside the mall', async () => {
    expect(await store.shop.products.update('m2', 2, { price: 1 }, T + 1)).toBeUndefined();
    const p = await store.shop.products.update('m1', 2, { price: 990_000, selling: 'F' }, T + 5);
    expect(p).toMatchObject({ productNo: 2, productName: 'Linen 100% Shirt', price: 990_000, selling: 'F', createdAt: T, updatedAt: T + 5 });
    expect(await store.shop.products.delete('m2', 3)).toBe(false);
    expect(await store.shop.products.get('m1', 3)).toBeDefined();
    expect(await store.shop.products.delete('m1', 3)).toBe(true);
    expect(await store.shop.products.delete('m1', 3)).toBe(false);
    expect((await store.shop.products.getMany('m1', [1, 2, 3, 1])).map((x) => x.productNo).sort()).toEqual([1, 2]);
  });

  test('customers: list ordered by creation then id, filters, count', async () => {
    await store.shop.customers.create('m1', [
      { memberId: 'lee', name: 'Lee Minji', email: 'lee@example.com', cellphone: '010-1111-2222', gender: 'F', birthday: '1990-01-02', groupNo: 1, sms: 'T', newsMail: 'F', createdAt: T + 2 },
      { memberId: 'kim', name: 'Kim Jisoo', email: 'kim@example.com', cellphone: '010-3333-4444', gender: null, birthday: null, groupNo: 1, sms: 'F', newsMail: 'F', createdAt: T + 1 },
      { memberId: 'park', name: 'Park Jisoo', email: 'park@example.com', cellphone: '010-5555-6666', gender: 'M', birthday: null, groupNo: 2, sms: 'F', newsMail: 'T', createdAt: T + 2 },
    ]);
    const ids = async (f: Parameters<typeof store.shop.customers.list>[1]) => (await store.shop.customers.list('m1', f, { limit: 10, offset: 0 })).map((c) => c.memberId);
    expect(await ids({})).toEqual(['kim', 'lee', 'park']);
    expect(await ids({ name: ['jisoo'] })).toEqual(['kim', 'park']);
    expect(await ids({ memberId: ['park', 'lee'], email: ['lee@example.com'] })).toEqual(['lee']);
    expect(await store.shop.customers.get('m1', 'kim')).toEqual({
      mallId: 'm1', memberId: 'kim', name: 'Kim Jisoo', email: 'kim@example.com', cellphone: '010-3333-4444', gender: null, birthday: null,
      groupNo: 1, sms: 'F', newsMail: 'F', createdAt: T + 1,
    });
    expect(await store.shop.customers.get('m2', 'kim')).toBeUndefined();
    expect(await store.shop.customers.count('m1', { cellphone: ['010-5555-6666'] })).toBe(1);
  });

  test('orders: numbered per mall, items kept in order, date range half-open, filters', async () => {
    const made = await store.shop.orders.create('m1', [
      order({ memberId: 'kim' }),
      order({ orderedAt: T + 1000, orderStatus: 'N40', items: [
        { productNo: 1, productCode: 'P0000001', productName: 'Mug', quantity: 1, productPrice: 1_500_000 },
        { productNo: 2, productCode: 'P0000002', productName: 'Shirt', quantity: 3, productPrice: 990_000 },
      ] }),
    ], id);
    expect(made.map((o) => [o.orderId, o.seq, o.items.map((i) => i.itemNo)])).toEqual([[id(1), 1, [1]], [id(2), 2, [1, 2]]]);
    expect(await store.shop.orders.get('m1', id(2))).toEqual(made[1]);
    expect(await store.shop.orders.get('m2', id(2))).toBeUndefined();
    const ids = async (f: Parameters<typeof store.shop.orders.list>[1]) => (await store.shop.orders.list('m1', f, { limit: 10, offset: 0 })).map((o) => o.orderId);
    expect(await ids({})).toEqual([id(1), id(2)]);
    expect(await ids({ from: T + 1, until: T + 1001 })).toEqual([id(2)]);
    expect(await ids({ until: T + 1000 })).toEqual([id(1)]);
    expect(await ids({ orderStatus: ['N40', 'C40'] })).toEqual([id(2)]);
    expect(await ids({ memberId: ['kim'] })).toEqual([id(1)]);
    expect(await store.shop.orders.count('m1', { orderId: [id(1), id(2), 'x'] })).toBe(2);
    const [first] = await store.shop.orders.create('m2', [order()], id);
    expect(first!.orderId).toBe(id(1));
  });

  test('concurrent writers never get the same number', async () => {
    await store.malls.create({ mallId: 'm3', name: 'm3', timezone: 'Asia/Seoul', shopNo: 1, createdAt: T });
    const made = await Promise.all(Array.from({ length: 20 }, (_, i) => store.shop.products.create('m3', [product(`P${i}`), product(`Q${i}`)], T)));
    const nos = made.flat().map((p) => p.productNo).sort((a, b) => a - b);
    expect(nos).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const orders = await Promise.all(Array.from({ length: 20 }, () => store.shop.orders.create('m3', [order()], id)));
    expect(new Set(orders.flat().map((o) => o.orderId)).size).toBe(20);
  });

  test('a failed write leaves nothing behind, not even a used number', async () => {
    await expect(
      store.transaction(async (tx) => {
        await tx.shop.products.create('m1', [product('Doomed')], T);
        await tx.shop.orders.create('m1', [order()], id);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.shop.products.count('m1', { productName: ['Doomed'] })).toBe(0);
    expect(await store.shop.orders.count('m1', {})).toBe(2);
    const [next] = await store.shop.orders.create('m1', [order()], id);
    expect(next!.orderId).toBe(id(3));
    // An order whose item row is invalid (duplicate key) is rolled back whole.
    await expect(store.shop.orders.create('m1', [order(), order({ items: [{ productNo: 1, productCode: 'P0000001', productName: 'x'.repeat(300), quantity: 1, productPrice: 1 }] })], () => 'same-id')).rejects.toThrow();
    expect(await store.shop.orders.count('m1', {})).toBe(3);
  });
});
