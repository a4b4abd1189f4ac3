import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AuthCode, TokenRecord } from '../../src/store/types.js';
import { openStore, type KyselyStore } from '../../src/store/kysely/store.js';
import { DIALECTS, pgSchemaUrl } from '../support/dialects.js';

/** The storage contract (src/store/types.ts), run on every dialect. */
describe.each(DIALECTS)('store on $name', (dialect) => {
  let store: KyselyStore;
  let drop: () => Promise<void>;
  const T = 1_772_334_000_123;

  beforeAll(async () => {
    const opened = dialect.open();
    drop = opened.drop;
    store = await openStore(opened.url);
    await store.malls.create({ mallId: 'm1', name: 'Shop', timezone: 'Asia/Seoul', shopNo: 1, createdAt: T });
    await store.apps.create({
      clientId: 'c1', secretHash: 'h', kind: 'app', mallId: null, name: 'A', appUrl: 'https://a', redirectUris: ['https://a/cb'],
      scopes: ['mall.read_store'], clientType: 'confidential', rateLimit: null, apiVersion: null, createdAt: T, revokedAt: null,
    });
  });
  afterAll(async () => {
    await store.close();
    await drop();
  });

  const mine = { clientId: 'c1', mallId: 'm1' };
  const code = (hash: string, over: Partial<AuthCode> = {}): AuthCode => ({
    codeHash: hash, mallId: 'm1', clientId: 'c1', userId: 'boss', grantId: 'g1', familyId: `fam-${hash}`, redirectUri: 'https://a/cb',
    scopes: ['mall.read_store'], codeChallenge: null, codeChallengeMethod: null, expiresAt: T + 60_000, consumedAt: null, createdAt: T, ...over,
  });
  const token = (hash: string, kind: 'access' | 'refresh', familyId: string, over: Partial<TokenRecord> = {}): TokenRecord => ({
    tokenHash: hash, kind, mallId: 'm1', clientId: 'c1', userId: 'boss', grantId: 'g1', familyId, scopes: ['mall.read_store'],
    jti: null, issuedAt: T, expiresAt: T + 7_200_000, rotatedAt: null, revokedAt: null, ...over,
  });

  test('malls round-trip with epoch-millisecond timestamps as numbers', async () => {
    expect(await store.malls.get('m1')).toEqual({ mallId: 'm1', name: 'Shop', timezone: 'Asia/Seoul', shopNo: 1, createdAt: T });
    expect(await store.malls.get('nope')).toBeUndefined();
  });

  test('apps keep their lists', async () => {
    const app = await store.apps.get('c1');
    expect(app).toMatchObject({ redirectUris: ['https://a/cb'], scopes: ['mall.read_store'], clientType: 'confidential', revokedAt: null });
  });

  test('revoking an app revokes its tokens and only its own; a second revoke is a no-op', async () => {
    await store.apps.create({
      clientId: 'c-gone', secretHash: 'h2', kind: 'app', mallId: null, name: 'B', appUrl: 'https://b', redirectUris: ['https://b/cb'],
      scopes: ['mall.read_store'], clientType: 'confidential', rateLimit: null, apiVersion: null, createdAt: T, revokedAt: null,
    });
    await store.tokens.save([
      token('gone-a', 'access', 'fam-gone', { clientId: 'c-gone', grantId: 'g-gone' }),
      token('gone-r', 'refresh', 'fam-gone', { clientId: 'c-gone', grantId: 'g-gone' }),
      token('kept-a', 'access', 'fam-kept'),
    ]);
    expect(await store.apps.revoke('c-gone', T + 9)).toBe(true);
    expect(await store.apps.revoke('c-gone', T + 10)).toBe(false);
    expect((await store.apps.get('c-gone'))?.revokedAt).toBe(T + 9);
    expect((await store.tokens.get('gone-a'))?.revokedAt).toBe(T + 9);
    expect((await store.tokens.get('gone-r'))?.revokedAt).toBe(T + 9);
    expect((await store.tokens.get('kept-a'))?.revokedAt).toBeNull();
  });

  test('grants: one per (mall, app, operator); a new consent replaces the scopes; revoke kills its tokens', async () => {
    const g = await store.grants.upsert({ grantId: 'g1', mallId: 'm1', clientId: 'c1', userId: 'boss', scopes: ['mall.read_store'], updatedAt: T });
    const again = await store.grants.upsert({ grantId: 'ignored', mallId: 'm1', clientId: 'c1', userId: 'boss', scopes: ['mall.read_store', 'mall.read_order'], updatedAt: T + 1 });
    expect(again.grantId).toBe(g.grantId);
    expect(again.scopes).toEqual(['mall.read_store', 'mall.read_order']);
    await store.tokens.save([token('gt-a', 'access', 'fam-g'), token('gt-r', 'refresh', 'fam-g')]);
    expect(await store.grants.revoke('g1', T + 5)).toBe(true);
    expect(await store.grants.revoke('g1', T + 6)).toBe(false);
    expect((await store.tokens.get('gt-a'))?.revokedAt).toBe(T + 5);
    expect((await store.tokens.get('gt-r'))?.revokedAt).toBe(T + 5);
  });

  test('codes are single-use: of concurrent consumers exactly one wins, the rest see a replay', async () => {
    await store.codes.save(code('code-1'));
    const results = await Promise.all(Array.from({ length: 10 }, () => store.codes.consume('code-1', mine, T + 1)));
    expect(results.filter((r) => r.status === 'ok')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'replayed')).toHaveLength(9);
    expect(await store.codes.consume('nope', mine, T)).toEqual({ status: 'unknown' });
  });

  test('a code is consumed only by its own client and mall; anyone else leaves it usable (issue 15, item 5)', async () => {
    await store.codes.save(code('code-2'));
    expect(await store.codes.consume('code-2', { clientId: 'c2', mallId: 'm1' }, T + 1)).toEqual({ status: 'unknown' });
    expect(await store.codes.consume('code-2', { clientId: 'c1', mallId: 'm2' }, T + 1)).toEqual({ status: 'unknown' });
    expect((await store.codes.get('code-2'))?.consumedAt).toBeNull();
    expect(await store.codes.consume('code-2', mine, T + 2)).toMatchObject({ status: 'ok', code: { codeHash: 'code-2', consumedAt: T + 2 } });
    // A used code is a replay to its own client only.
    expect(await store.codes.consume('code-2', { clientId: 'c2', mallId: 'm1' }, T + 3)).toEqual({ status: 'unknown' });
    expect((await store.codes.consume('code-2', mine, T + 3)).status).toBe('replayed');
  });

  test('only a live refresh token rotates: revoked or expired ones are dead (issue 15, item 1)', async () => {
    await store.tokens.save([token('r-rev', 'refresh', 'fam-d', { revokedAt: T }), token('r-exp', 'refresh', 'fam-d', { expiresAt: T + 10 })]);
    expect(await store.tokens.rotate('r-rev', T + 1)).toMatchObject({ status: 'dead', token: { rotatedAt: null } });
    expect(await store.tokens.rotate('r-exp', T + 10)).toMatchObject({ status: 'dead', token: { rotatedAt: null } });
    expect((await store.tokens.rotate('r-exp', T + 9)).status).toBe('ok');
  });

  test('a rotated token has one grace retry, only while its successor is untouched (issue 15, item 6)', async () => {
    await store.tokens.save([token('p-1', 'refresh', 'fam-p', { rotatedAt: T + 1 })]);
    await store.tokens.save([token('s-a', 'access', 'fam-p', { parentHash: 'p-1' }), token('s-r', 'refresh', 'fam-p', { parentHash: 'p-1' })]);
    expect(await store.transaction((tx) => tx.tokens.retryRotated('p-1', T + 2))).toBe(true);
    expect((await store.tokens.get('s-a'))?.revokedAt).toBe(T + 2);
    expect((await store.tokens.get('s-r'))).toMatchObject({ revokedAt: T + 2, parentHash: 'p-1' });
    // The second retry: spent.
    expect(await store.transaction((tx) => tx.tokens.retryRotated('p-1', T + 3))).toBe(false);
    // A token whose successor was itself rotated has none.
    await store.tokens.save([token('q-1', 'refresh', 'fam-q', { rotatedAt: T + 1 }), token('q-2', 'refresh', 'fam-q', { parentHash: 'q-1', rotatedAt: T + 2 })]);
    expect(await store.transaction((tx) => tx.tokens.retryRotated('q-1', T + 3))).toBe(false);
    expect(await store.transaction((tx) => tx.tokens.retryRotated('never-rotated', T + 3))).toBe(false);
  });

  test('refresh rotation is atomic: of concurrent rotations exactly one wins', async () => {
    await store.tokens.save([token('r-1', 'refresh', 'fam-r')]);
    const results = await Promise.all(Array.from({ length: 10 }, () => store.tokens.rotate('r-1', T + 1)));
    expect(results.filter((r) => r.status === 'ok')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'reused')).toHaveLength(9);
    expect(await store.tokens.rotate('nope', T)).toEqual({ status: 'unknown' });
  });

  test('an access token cannot be rotated as a refresh token', async () => {
    await store.tokens.save([token('a-only', 'access', 'fam-a')]);
    expect(await store.tokens.rotate('a-only', T)).toEqual({ status: 'unknown' });
  });

  test('revokeFamily revokes every live token of the family and nothing else', async () => {
    await store.tokens.save([token('f-a', 'access', 'fam-x'), token('f-r', 'refresh', 'fam-x'), token('o-a', 'access', 'fam-y')]);
    expect(await store.tokens.revokeFamily('fam-x', T + 9)).toBe(2);
    expect(await store.tokens.revokeFamily('fam-x', T + 10)).toBe(0);
    expect((await store.tokens.get('o-a'))?.revokedAt).toBeNull();
  });

  test('a transaction that throws leaves nothing behind', async () => {
    await expect(
      store.transaction(async (tx) => {
        await tx.tokens.save([token('tx-1', 'access', 'fam-tx')]);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.tokens.get('tx-1')).toBeUndefined();
  });

  test('sessions expire; settings putIfAbsent keeps the first value', async () => {
    await store.sessions.create({ sessionHash: 's1', mallId: 'm1', userId: 'boss', createdAt: T, expiresAt: T + 1000 });
    expect(await store.sessions.get('s1', T + 999)).toMatchObject({ userId: 'boss' });
    expect(await store.sessions.get('s1', T + 1000)).toBeUndefined();
    await store.sessions.delete('s1');
    expect(await store.sessions.get('s1', T)).toBeUndefined();
    expect(await store.settings.putIfAbsent('k', 'first')).toBe('first');
    expect(await store.settings.putIfAbsent('k', 'second')).toBe('first');
  });
});

describe('PostgreSQL schemas', () => {
  test('a store migrates into its own schema while another schema already holds migrated tables', async () => {
    const a = pgSchemaUrl();
    const b = pgSchemaUrl();
    const first = await openStore(a.url);
    try {
      // kysely looks for its migration tables in every schema; the store names its own.
      const second = await openStore(b.url);
      await second.malls.create({ mallId: 'm1', name: 'Shop', timezone: 'Asia/Seoul', shopNo: 1, createdAt: 1 });
      expect((await second.malls.list()).map((m) => m.mallId)).toEqual(['m1']);
      expect(await first.malls.list()).toEqual([]);
      await second.close();
    } finally {
      await first.close();
      await a.drop();
      await b.drop();
    }
  });
});
