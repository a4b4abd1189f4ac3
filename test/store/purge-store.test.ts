import { describe, expect, test } from 'vitest';
import type { KyselyStore } from '../../src/store/kysely/store.js';
import type { TokenRecord } from '../../src/store/types.js';
import { DIALECTS, suiteStore } from '../support/dialects.js';

/** PurgeStore.expired (issue 15, item 8): batched deletes of expired codes, tokens, sessions and old audit events, on every dialect. */
describe.each(DIALECTS)('purge on $name', (dialect) => {
  let store: KyselyStore;
  suiteStore(dialect, (s) => (store = s));
  const T = 1_772_334_000_000;

  const token = (hash: string, expiresAt: number): TokenRecord => ({
    tokenHash: hash, kind: 'refresh', mallId: 'm1', clientId: 'c1', userId: 'u', grantId: null, familyId: `f-${hash}`, scopes: ['mall.read_store'],
    jti: null, issuedAt: T, expiresAt, rotatedAt: null, revokedAt: null,
  });

  test('everything expired before the cutoff goes, in batches smaller than the backlog; the rest stays', async () => {
    await store.malls.create({ mallId: 'm1', name: 'Shop', timezone: 'Asia/Seoul', shopNo: 1, createdAt: T });
    await store.tokens.save([...Array.from({ length: 7 }, (_, i) => token(`old${i}`, T - 1 - i)), token('edge', T), token('live', T + 1)]);
    for (let i = 0; i < 3; i++) {
      await store.codes.save({
        codeHash: `code${i}`, mallId: 'm1', clientId: 'c1', userId: 'u', grantId: 'g', familyId: 'f', redirectUri: 'https://a/cb', scopes: ['mall.read_store'],
        codeChallenge: null, codeChallengeMethod: null, expiresAt: i === 2 ? T + 5 : T - 5, consumedAt: null, createdAt: T - 60_000,
      });
    }
    await store.sessions.create({ sessionHash: 's-old', mallId: 'm1', userId: 'u', createdAt: T - 10, expiresAt: T - 1 });
    await store.sessions.create({ sessionHash: 's-live', mallId: 'm1', userId: 'u', createdAt: T - 10, expiresAt: T + 3600_000 });

    expect(await store.purge.expired(T, 3, null)).toEqual({ codes: 2, tokens: 7, sessions: 1, audit: 0 });
    expect(await store.tokens.get('old0')).toBeUndefined();
    expect(await store.tokens.get('edge')).toBeDefined();
    expect(await store.tokens.get('live')).toBeDefined();
    expect(await store.sessions.get('s-live', T)).toBeDefined();
    expect((await store.db.selectFrom('auth_codes').select('code_hash').execute()).map((r) => r.code_hash)).toEqual(['code2']);
    expect(await store.purge.expired(T, 3, null)).toEqual({ codes: 0, tokens: 0, sessions: 0, audit: 0 });
  });

  test('audit events written before the audit cutoff go, in batches; newer ones and the other tables stay; null keeps them all', async () => {
    const event = (id: string, at: number) => ({ id, at, type: 'token.issued', mallId: 'm1', clientId: 'c1', userId: null, ip: null, traceId: null, detail: null });
    await store.audit.append([...Array.from({ length: 5 }, (_, i) => event(`old${i}`, T - 1 - i)), event('edge', T), event('new', T + 1)]);
    await store.tokens.save([token('live-2', T + 1)]);
    expect(await store.purge.expired(T - 1000, 2, null)).toEqual({ codes: 0, tokens: 0, sessions: 0, audit: 0 });
    expect(await store.audit.list()).toHaveLength(7);
    expect(await store.purge.expired(T - 1000, 2, T)).toEqual({ codes: 0, tokens: 0, sessions: 0, audit: 5 });
    expect((await store.audit.list()).map((e) => e.id).sort()).toEqual(['edge', 'new']);
    expect(await store.tokens.get('live-2')).toBeDefined();
  });
});
