import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openStore, type KyselyStore } from '../../src/store/kysely/store.js';
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

  test('codes are unique per mall; a taken code makes add write nothing of its batch inside a transaction', async () => {
    expect(await store.podOrderCodes.add('m1', [{ orderCode: 'A', orderId: '20260301-0000001' }, { orderCode: 'B', orderId: '20260301-0000002' }])).toBe(true);
    expect(await store.podOrderCodes.add('m2', [{ orderCode: 'A', orderId: '20260301-0000001' }])).toBe(true);
    await expect(
      store.transaction(async (tx) => {
        if (!(await tx.podOrderCodes.add('m1', [{ orderCode: 'C', orderId: '20260301-0000003' }, { orderCode: 'A', orderId: '20260301-0000004' }]))) throw new Error('taken');
      }),
    ).rejects.toThrow('taken');
    expect(await store.podOrderCodes.byCode('m1', ['A', 'B', 'C'])).toEqual(new Map([['A', '20260301-0000001'], ['B', '20260301-0000002']]));
    expect(await store.podOrderCodes.byOrder('m1', ['20260301-0000002', '20260301-0000009'])).toEqual(new Map([['20260301-0000002', 'B']]));
    expect(await store.podOrderCodes.byCode('m2', [])).toEqual(new Map());
  });
});
