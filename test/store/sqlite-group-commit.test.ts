import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { walFsynced } from '../../src/store/dialects/sqlite.js';
import { openStore, type KyselyStore } from '../../src/store/kysely/store.js';
import type { TokenRecord } from '../../src/store/types.js';

/**
 * The SQLite dialect's group commit (store/dialects/sqlite.ts): concurrent units of work share one
 * COMMIT, yet each is atomic on its own, nobody hears "done" before the data is durable, and other
 * processes on the same file (the CLI) keep working.
 */
describe('SQLite group commit', () => {
  let dir: string;
  let file: string;
  let store: KyselyStore;
  const T = 1_772_334_000_123;
  const token = (hash: string, over: Partial<TokenRecord> = {}): TokenRecord => ({
    tokenHash: hash, kind: 'refresh', mallId: 'm1', clientId: 'c1', userId: 'boss', grantId: null, familyId: `fam-${hash}`,
    scopes: ['mall.read_store'], jti: null, issuedAt: T, expiresAt: T + 60_000, rotatedAt: null, revokedAt: null, ...over,
  });
  /** What another process sees: its own connection to the file. */
  const committed = (hash: string): unknown => {
    const other = new BetterSqlite3(file, { readonly: true });
    try {
      return other.prepare('select token_hash from tokens where token_hash = ?').get(hash);
    } finally {
      other.close();
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shopauth-group-commit-'));
    file = join(dir, 'shopauth.db');
    store = await openStore(file);
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a unit of work that fails rolls back alone; the units sharing its commit land', async () => {
    const results = await Promise.allSettled([
      store.transaction(async (s) => s.tokens.save([token('a1'), token('a2')])),
      store.transaction(async (s) => {
        await s.tokens.save([token('b1')]);
        await s.tokens.rotate('a1', T + 1); // sees the earlier unit of its batch
        throw new Error('the second unit fails after writing');
      }),
      store.transaction(async (s) => s.tokens.save([token('c1')])),
      // A statement that fails on its own (duplicate key) outside any transaction.
      store.tokens.save([token('a1')]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected']);
    expect(await store.tokens.get('b1')).toBeUndefined();
    expect((await store.tokens.get('a1'))?.rotatedAt).toBeNull();
    for (const hash of ['a1', 'a2', 'c1']) expect(committed(hash)).toEqual({ token_hash: hash });
  });

  test('a write resolves only once committed: another connection sees it at once', async () => {
    const writes = Array.from({ length: 20 }, (_, i) =>
      (i % 2 ? store.tokens.save([token(`w${i}`)]) : store.transaction((s) => s.tokens.save([token(`w${i}`)]))).then(() => committed(`w${i}`)),
    );
    expect(await Promise.all(writes)).toEqual(Array.from({ length: 20 }, (_, i) => ({ token_hash: `w${i}` })));
  });

  test('a read outside a unit sees committed data only, never a unit whose batch may still fail (issue 9)', async () => {
    const seen: unknown[] = [];
    await Promise.all([
      store.transaction((s) => s.tokens.save([token('u1')])),
      store.transaction(async (s) => {
        // The first unit is done, its batch not yet committed: outside reads do not see it.
        seen.push(await store.tokens.get('u1'), await store.tokens.findByJti('none'));
        await s.tokens.save([token('u2')]);
        seen.push(await store.tokens.get('u2'));
        // Inside the unit, its batch is visible.
        seen.push((await s.tokens.get('u1'))?.tokenHash);
      }),
    ]);
    expect(seen).toEqual([undefined, undefined, undefined, 'u1']);
    expect((await store.tokens.get('u1'))?.tokenHash).toBe('u1');
    expect((await store.tokens.get('u2'))?.tokenHash).toBe('u2');
  });

  test('synchronous = NORMAL and the WAL fsynced by the driver: no write resolves before the fsync after its COMMIT (issue 15, item 4)', async () => {
    const { sql } = await import('kysely');
    // Asked inside a unit of work: the writing connection's setting (1 = NORMAL: COMMIT does not fsync).
    const rows = await store.transaction(async (tx) => (await sql<{ synchronous: number }>`pragma synchronous`.execute((tx as KyselyStore).db)).rows);
    expect(rows).toEqual([{ synchronous: 1 }]);
    // The store is idle (every earlier write has resolved): the next fsync is the one for this batch.
    const events: string[] = [];
    const hashes = Array.from({ length: 10 }, (_, i) => `d${i}`);
    const onFsync = (message: unknown) => {
      // Committed (another connection sees the rows) and fsynced, but nobody has been answered yet.
      events.push(`fsync of ${(message as { batches: number }).batches} batch, rows visible: ${hashes.every((h) => committed(h) !== undefined)}`);
    };
    walFsynced.subscribe(onFsync);
    try {
      await Promise.all(
        hashes.map((h, i) => (i % 2 ? store.tokens.save([token(h)]) : store.transaction((s) => s.tokens.save([token(h)]))).then(() => events.push(`${h} resolved`))),
      );
    } finally {
      walFsynced.unsubscribe(onFsync);
    }
    // One batch, one fsync, and only then every write resolves (in whatever order their promise chains run).
    expect(events[0]).toBe('fsync of 1 batch, rows visible: true');
    expect(events.slice(1).sort()).toEqual(hashes.map((h) => `${h} resolved`));
  });

  test('50 concurrent rotations of one token: exactly one wins', async () => {
    await store.tokens.save([token('r1')]);
    const outcomes = await Promise.all(Array.from({ length: 50 }, () => store.transaction((s) => s.tokens.rotate('r1', T + 2))));
    expect(outcomes.filter((o) => o.status === 'ok')).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'reused')).toHaveLength(49);
  });

  test('another process writing the same file meanwhile: both sides land', async () => {
    const cli = await openStore(file, { migrate: false });
    try {
      await Promise.all(
        Array.from({ length: 10 }, (_, i) => [store.tokens.save([token(`s${i}`)]), cli.transaction((s) => s.tokens.save([token(`x${i}`)]))]).flat(),
      );
      for (let i = 0; i < 10; i++) {
        expect(await store.tokens.get(`x${i}`)).toBeDefined();
        expect(await cli.tokens.get(`s${i}`)).toBeDefined();
      }
    } finally {
      await cli.close();
    }
  });

  // A deadlock (each store waiting on the other's lock) never settles: the test's timeout fails it.
  test('another store on the same file in this process: neither waits for the other forever; both sides land', async () => {
    const second = await openStore(file, { migrate: false });
    try {
      const writes = Array.from({ length: 10 }, (_, i) => [store.tokens.save([token(`q${i}`)]), second.tokens.save([token(`y${i}`)])]).flat();
      expect((await Promise.allSettled(writes)).map((r) => r.status)).toEqual(Array.from({ length: 20 }, () => 'fulfilled'));
      for (let i = 0; i < 10; i++) {
        expect(committed(`q${i}`)).toEqual({ token_hash: `q${i}` });
        expect(committed(`y${i}`)).toEqual({ token_hash: `y${i}` });
      }
    } finally {
      await second.close();
    }
  }, 30_000);

  test('a busy store checkpoints on a worker thread, and closes cleanly: the WAL is folded in and removed', async () => {
    const busy = join(dir, 'busy.db');
    const other = await openStore(busy);
    for (let i = 0; i < 200; i++) await other.tokens.save([token(`k${i}`)]); // 200 batches: the checkpointer starts
    await other.close();
    expect(existsSync(`${busy}-wal`)).toBe(false);
    const reopened = await openStore(busy, { migrate: false });
    try {
      expect(await reopened.tokens.get('k199')).toBeDefined();
    } finally {
      await reopened.close();
    }
  });

  test('close commits the open batch: writes already made are answered, and durable', async () => {
    const other = await openStore(file, { migrate: false });
    const pending = [other.tokens.save([token('p1')]), other.transaction((s) => s.tokens.save([token('p2')]))];
    // Microtasks only: both writes are made, their batch's COMMIT (next turn) is not.
    for (let i = 0; i < 100; i++) await null;
    expect(committed('p1')).toBeUndefined();
    await other.close();
    await Promise.all(pending);
    expect(committed('p1')).toEqual({ token_hash: 'p1' });
    expect(committed('p2')).toEqual({ token_hash: 'p2' });
  });
});
