import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { toShopauthError } from '../../src/http/errors.js';
import { openStore, type KyselyStore } from '../../src/store/kysely/store.js';
import { StoreBusyError, type Store, type TokenRecord } from '../../src/store/types.js';
import { pgSchemaUrl } from '../support/dialects.js';

/**
 * The lock order of docs/store.md on PostgreSQL (READ COMMITTED), where it matters: SQLite's
 * writers are serialized by BEGIN IMMEDIATE already (store/dialects/locking.ts).
 */
describe('PostgreSQL locking and retries', () => {
  let store: KyselyStore;
  let drop: () => Promise<void>;
  const T = 1_772_334_000_123;
  const token = (hash: string, over: Partial<TokenRecord> = {}): TokenRecord => ({
    tokenHash: hash, kind: 'refresh', mallId: 'm1', clientId: 'c1', userId: 'boss', grantId: 'g1', familyId: 'fam-1', scopes: ['mall.read_store'],
    jti: null, issuedAt: T, expiresAt: T + 7_200_000, rotatedAt: null, revokedAt: null, ...over,
  });
  /** Resolves once some backend waits for a lock that backend `holder` holds (pg_blocking_pids). */
  const blockedBy = async (holder: number) => {
    for (;;) {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where ${holder} = any(pg_blocking_pids(pid))`.execute(store.db);
      if ((rows[0]?.n ?? 0) > 0) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const gate = () => {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    return { open, opened };
  };

  beforeAll(async () => {
    const opened = pgSchemaUrl();
    drop = opened.drop;
    store = await openStore(opened.url);
    await store.malls.create({ mallId: 'm1', name: 'Shop', timezone: 'Asia/Seoul', shopNo: 1, createdAt: T });
    for (const [clientId, kind] of [['c1', 'app'], ['pod', 'credentials']] as const) {
      await store.apps.create({
        clientId, secretHash: 'h', kind, mallId: kind === 'app' ? null : 'm1', name: 'A', appUrl: 'https://a', redirectUris: [], scopes: ['mall.read_store'],
        clientType: 'confidential', rateLimit: null, apiVersion: null, createdAt: T, revokedAt: null,
      });
    }
    await store.grants.upsert({ grantId: 'g1', mallId: 'm1', clientId: 'c1', userId: 'boss', scopes: ['mall.read_store'], updatedAt: T });
  });
  afterAll(async () => {
    await store.close();
    await drop();
  });

  /**
   * Runs `refresh` in a transaction that stays open once it has written; meanwhile starts
   * `revocation`, waits until PostgreSQL shows it blocked by the refresh, then lets the refresh commit.
   */
  async function whileRefreshing<T>(refresh: (tx: Store) => Promise<void>, revocation: () => Promise<T>): Promise<T> {
    const inserted = gate();
    const release = gate();
    let holder = 0;
    const held = store.transaction(async (tx) => {
      await refresh(tx);
      holder = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute((tx as KyselyStore).db)).rows[0]!.pid;
      inserted.open();
      await release.opened;
    });
    await inserted.opened;
    const contender = revocation();
    await blockedBy(holder);
    release.open();
    await held;
    return contender;
  }

  test('a family revocation waits for the refresh holding the grant lock and revokes the pair it inserted', async () => {
    await store.tokens.save([token('old')]);
    const owner = { grantId: 'g1', clientId: 'c1', familyId: 'fam-1' };
    const revoked = await whileRefreshing(
      async (tx) => {
        await tx.tokens.lockFamily(owner);
        await tx.tokens.rotate('old', T + 1);
        await tx.tokens.save([token('new-a', { kind: 'access', parentHash: 'old' }), token('new-r', { parentHash: 'old' })]);
      },
      () => store.transaction(async (tx) => (await tx.tokens.lockFamily(owner), tx.tokens.revokeFamily('fam-1', T + 2))),
    );
    // old (rotated, not yet revoked) and the new pair: nothing of the family is left live.
    expect(revoked).toBe(3);
    for (const hash of ['old', 'new-a', 'new-r']) expect((await store.tokens.get(hash))?.revokedAt).toBe(T + 2);
  });

  test('a grant revocation waits likewise: no pair minted under the lock survives it', async () => {
    const owner = { grantId: 'g1', clientId: 'c1', familyId: 'fam-2' };
    const revoked = await whileRefreshing(
      async (tx) => {
        expect(await tx.tokens.lockFamily(owner)).toBe(true);
        await tx.tokens.save([token('g-new', { familyId: 'fam-2' })]);
      },
      () => store.grants.revoke('g1', T + 3),
    );
    expect(revoked).toBe(true);
    expect((await store.tokens.get('g-new'))?.revokedAt).toBe(T + 3);
    // After it, the lock reports the grant dead.
    expect(await store.transaction((tx) => tx.tokens.lockFamily(owner))).toBe(false);
  });

  test('a grant-less (POD Shop) family: credential revocation waits for the app lock the refresh shares', async () => {
    const revoked = await whileRefreshing(
      async (tx) => {
        expect(await tx.tokens.lockFamily({ grantId: null, clientId: 'pod', familyId: 'fam-pod' })).toBe(true);
        await tx.tokens.save([token('pod-new', { clientId: 'pod', grantId: null, familyId: 'fam-pod' })]);
      },
      () => store.apps.revoke('pod', T + 4),
    );
    expect(revoked).toBe(true);
    expect((await store.tokens.get('pod-new'))?.revokedAt).toBe(T + 4);
  });

  test('a deadlock (40P01) is retried: both transactions complete', async () => {
    await store.settings.putIfAbsent('a', '0');
    await store.settings.putIfAbsent('b', '0');
    const both = gate();
    let held = 0;
    let tries = 0;
    const cross = (first: string, second: string) =>
      store.transaction(async (tx) => {
        tries++;
        const k = tx as KyselyStore;
        await sql`update settings set value = value || '+' where key = ${first}`.execute(k.db);
        if (++held === 2) both.open();
        await both.opened;
        await sql`update settings set value = value || '+' where key = ${second}`.execute(k.db);
      });
    await Promise.all([cross('a', 'b'), cross('b', 'a')]);
    expect(tries).toBe(3);
    expect([await store.settings.get('a'), await store.settings.get('b')]).toEqual(['0++', '0++']);
  }, 30_000);

  test('retries are bounded: after 5 tries a still-failing transaction is StoreBusyError, answered 503 with Retry-After', async () => {
    let tries = 0;
    const failing = store.transaction(async (tx) => {
      tries++;
      // A real serialization failure (SQLSTATE 40001) raised by PostgreSQL itself.
      await sql`do $$ begin raise exception 'conflict' using errcode = 'serialization_failure'; end $$`.execute((tx as KyselyStore).db);
    });
    const error = await failing.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(StoreBusyError);
    expect(tries).toBe(5);
    const wire = toShopauthError(error);
    expect({ status: wire.status, error: wire.error, headers: wire.headers }).toEqual({ status: 503, error: 'temporarily_unavailable', headers: { 'retry-after': '1' } });
    // Anything else is not retried.
    tries = 0;
    await expect(store.transaction(async () => { tries++; throw new Error('not retryable'); })).rejects.toThrow('not retryable');
    expect(tries).toBe(1);
  });
});
