import { describe, expect, test } from 'vitest';
import { AuditLog } from '../../src/audit/audit.js';
import { ManualClock } from '../../src/clock.js';
import type { KyselyStore } from '../../src/store/kysely/store.js';
import { DIALECTS, suiteStore } from '../support/dialects.js';

/** The audit store (migration 004) and the batching AuditLog, on every dialect. */
describe.each(DIALECTS)('audit store on $name', (dialect) => {
  let store: KyselyStore;
  suiteStore(dialect, (opened) => (store = opened));
  const clock = new ManualClock(1_772_334_000_123);


  test('1 200 events queued in one tick land in one flush (chunked inserts), newest first, filterable', async () => {
    const log = new AuditLog(store, clock);
    for (let i = 0; i < 1200; i++) {
      log.record({ type: i % 2 ? 'login.ok' : 'login.failed', mallId: i % 3 ? 'm1' : 'm2', userId: `u${i}`, detail: { n: i, ok: true, none: null } });
      if (i % 400 === 0) clock.advance(1);
    }
    await log.flush();
    expect(log.dropped).toBe(0);
    const newest = await store.audit.list({ limit: 2000 });
    expect(newest).toHaveLength(1200);
    expect(newest[0]).toMatchObject({ type: 'login.ok', userId: 'u1199', detail: { n: 1199, ok: true, none: null }, ip: null, clientId: null });
    expect(newest.map((e) => e.userId)).toEqual(Array.from({ length: 1200 }, (_, i) => `u${1199 - i}`)); // insertion order, even within one millisecond
    expect(await store.audit.list({ mallId: 'm2', type: 'login.failed', limit: 5000 })).toHaveLength(200);
    expect(await store.audit.list()).toHaveLength(100); // default limit
  });
});
