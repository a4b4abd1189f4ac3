import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Migrator } from 'kysely';
import { migrate, openStore, type KyselyStore } from '../../src/store/kysely/store.js';
import { migrationProvider } from '../../src/store/migrations/index.js';
import { DIALECTS } from '../support/dialects.js';

describe.each(DIALECTS)('POD Shop order codes on $name', (dialect) => {
  let store: KyselyStore;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const opened = dialect.open();
    drop = opened.drop;
    store = await openStore(opened.url);
    for (const mallId of ['m1', 'm2']) await store.malls.create({ mallId, name: mallId, timezone: 'Asia/Seoul', shopNo: 1, createdAt: 0 });
  });
  afterAll(async () => {
    await store.close();
    await drop();
  });

  const ref = (orderCode: string, orderId: string, storeCustomerId: string | null = null) => ({ orderCode, orderId, storeCustomerId });

  test('codes are unique per mall; a taken code makes add write nothing of its batch inside a transaction', async () => {
    expect(await store.podOrderCodes.add('m1', [ref('A', '20260301-0000001'), ref('B', '20260301-0000002', 'cust-B')])).toBe(true);
    expect(await store.podOrderCodes.add('m2', [ref('A', '20260301-0000001')])).toBe(true);
    await expect(
      store.transaction(async (tx) => {
        if (!(await tx.podOrderCodes.add('m1', [ref('C', '20260301-0000003'), ref('A', '20260301-0000004')]))) throw new Error('taken');
      }),
    ).rejects.toThrow('taken');
    expect(await store.podOrderCodes.byCode('m1', ['A', 'B', 'C'])).toEqual(new Map([['A', '20260301-0000001'], ['B', '20260301-0000002']]));
    expect(await store.podOrderCodes.byOrder('m1', ['20260301-0000002', '20260301-0000009'])).toEqual(new Map([['20260301-0000002', ref('B', '20260301-0000002', 'cust-B')]]));
    expect(await store.podOrderCodes.byCode('m2', [])).toEqual(new Map());
  });

  test('storeCustomerId is kept exactly as sent: 64 characters (code points) of any script, spaces, quotes', async () => {
    const odd = [`${'가'.repeat(60)} "'\\`, '550e8400-e29b-41d4-a716-446655440000', '😀'.repeat(64), ' padded '];
    await store.podOrderCodes.add('m1', odd.map((id, i) => ref(`S${i}`, `20260302-000000${i}`, id)));
    const read = await store.podOrderCodes.byOrder('m1', odd.map((_, i) => `20260302-000000${i}`));
    expect(odd.map((_, i) => read.get(`20260302-000000${i}`)?.storeCustomerId)).toEqual(odd);
  });
});

describe.each(DIALECTS)('migration 006 (storeCustomerId) on a database with POD orders, on $name', (dialect) => {
  test('adds the column; orders recorded before keep their code and have no storeCustomerId (their member_id stands)', async () => {
    const opened = dialect.open();
    const store = await openStore(opened.url, { migrate: false });
    try {
      const migrator = new Migrator({ db: store.db, provider: migrationProvider, ...(store.schema ? { migrationTableSchema: store.schema } : {}) });
      expect((await migrator.migrateTo('005-pod-order-codes')).error).toBeUndefined();
      await store.malls.create({ mallId: 'm1', name: 'm1', timezone: 'Asia/Seoul', shopNo: 1, createdAt: 0 });
      const before = store.db.withTables<{ pod_order_codes: { mall_id: string; order_code: string; order_id: string } }>();
      await before.insertInto('pod_order_codes').values({ mall_id: 'm1', order_code: 'OLD-1', order_id: '20260301-0000001' }).execute();
      expect((await migrate(store))[0]).toBe('006-pod-store-customer-id');
      expect(await store.podOrderCodes.byOrder('m1', ['20260301-0000001'])).toEqual(new Map([['20260301-0000001', { orderId: '20260301-0000001', orderCode: 'OLD-1', storeCustomerId: null }]]));
    } finally {
      await store.close();
      await opened.drop();
    }
  });
});
