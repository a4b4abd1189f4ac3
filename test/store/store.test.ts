import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openStore, type KyselyStore } from '../../src/store/kysely/store.js';
import { DIALECTS } from '../support/dialects.js';

describe.each(DIALECTS)('store on $name', (dialect) => {
  let store: KyselyStore;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const opened = dialect.open();
    drop = opened.drop;
    store = await openStore(opened.url);
  });
  afterAll(async () => {
    await store.close();
    await drop();
  });

  test('malls round-trip with epoch-millisecond timestamps as numbers', async () => {
    await store.malls.create({ mallId: 'm1', name: 'Shop', timezone: 'Asia/Seoul', shopNo: 1, createdAt: 1_772_334_000_123 });
    expect(await store.malls.get('m1')).toEqual({ mallId: 'm1', name: 'Shop', timezone: 'Asia/Seoul', shopNo: 1, createdAt: 1_772_334_000_123 });
    expect(await store.malls.get('nope')).toBeUndefined();
  });
});
