import { describe, expect, test } from 'vitest';
import type { KyselyStore } from '../../src/store/kysely/store.js';
import { DIALECTS, suiteStore } from '../support/dialects.js';

/** OperatorStore.replacePasswordHash (issue 15, item 9: rehash at login), on every dialect. */
describe.each(DIALECTS)('operator password hash on $name', (dialect) => {
  let store: KyselyStore;
  suiteStore(dialect, (s) => (store = s));

  test('replaced only while it is still the expected hash', async () => {
    await store.malls.create({ mallId: 'm1', name: 'Shop', timezone: 'Asia/Seoul', shopNo: 1, createdAt: 1 });
    await store.operators.add({ mallId: 'm1', userId: 'boss', passwordHash: 'old', userType: 'P', name: 'Boss', createdAt: 1 });
    expect(await store.operators.replacePasswordHash('m1', 'boss', 'stale', 'x')).toBe(false);
    expect((await store.operators.get('m1', 'boss'))!.passwordHash).toBe('old');
    expect(await store.operators.replacePasswordHash('m1', 'boss', 'old', 'new')).toBe(true);
    expect((await store.operators.get('m1', 'boss'))!.passwordHash).toBe('new');
    expect(await store.operators.replacePasswordHash('m1', 'nobody', 'new', 'x')).toBe(false);
  });
});
