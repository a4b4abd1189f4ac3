import { assembleAppContext } from '../../src/app-context.js';
import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { signUp } from '../../src/developer-center/developers.js';
import { addOperator, createApp, createMall, RegistryError } from '../../src/registry/registry.js';
import { singleKey } from '../../src/keys/server-keys.js';
import type { KyselyStore } from '../../src/store/kysely/store.js';
import { DIALECTS, suiteStore } from '../support/dialects.js';

/**
 * The developer center's storage (migration 013) and the stores it added to: developers, app
 * owners, the previous secret of a rotation with its expiry, app edits, operators list/remove,
 * revoking an app revokes its grants and tokens. Run on every dialect.
 */
describe.each(DIALECTS)('developer center storage on $name', (dialect) => {
  let store: KyselyStore;
  suiteStore(dialect, (opened) => (store = opened));
  const T = 1_772_334_000_123;
  const serverKey = singleKey(randomBytes(32));
  const deps = () => assembleAppContext({ store, clock: new ManualClock(T), keys: serverKey });
  const input = { name: 'A', appUrl: 'https://a.example/', redirectUris: ['https://a.example/cb'], scopes: ['mall.read_store'] };

  test('developers: by id and by (lower-cased) email; the email is unique; admin flag; the sandbox mall is recorded once', async () => {
    const d = await signUp(deps(), { email: 'Dev@Example.com', name: 'Dev', password: 'long enough 1' });
    expect(await store.developers.byEmail('dev@example.com')).toEqual(d);
    expect(await store.developers.get(d.developerId)).toEqual({ ...d, platformAdmin: false, sandboxMallId: null, createdAt: T });
    await expect(signUp(deps(), { email: 'dev@example.com', name: 'X', password: 'long enough 2' })).rejects.toThrow(RegistryError);
    await store.developers.setPlatformAdmin(d.developerId, true);
    expect((await store.developers.get(d.developerId))!.platformAdmin).toBe(true);
    expect(await store.developers.setSandboxMall(d.developerId, 'sandbox-a')).toBe('sandbox-a');
    expect(await store.developers.setSandboxMall(d.developerId, 'sandbox-b')).toBe('sandbox-a');
  });

  test('owners: appsOf lists live owned apps oldest first; unowned lists live apps without an owner; own replaces', async () => {
    const d = await signUp(deps(), { email: 'owner@example.com', name: 'O', password: 'long enough 1' });
    const e = await signUp(deps(), { email: 'other@example.com', name: 'E', password: 'long enough 1' });
    const a = await createApp(deps(), input);
    const b = await createApp(deps(), input);
    const c = await createApp(deps(), input);
    await store.developers.own(a.app.clientId, d.developerId);
    await store.developers.own(b.app.clientId, d.developerId);
    expect(await store.developers.appsOf(d.developerId)).toEqual([a.app.clientId, b.app.clientId].sort((x, y) => (x < y ? -1 : 1)));
    expect(await store.developers.unowned()).toContain(c.app.clientId);
    expect(await store.developers.unowned()).not.toContain(a.app.clientId);
    await store.developers.own(b.app.clientId, e.developerId);
    expect(await store.developers.ownerOf(b.app.clientId)).toBe(e.developerId);
    await store.apps.revoke(a.app.clientId, T + 1);
    expect(await store.developers.appsOf(d.developerId)).toEqual([]);
  });

  test('previous secret: kept until its expiry, forgotten by null; put replaces the sealed secret; edits and secret hash of live apps only', async () => {
    const { app } = await createApp(deps(), input);
    await store.appSecrets.setPrevious(app.clientId, { secretHash: 'old-hash', expiresAt: T + 1000 });
    expect(await store.appSecrets.previous(app.clientId, T + 999)).toBe('old-hash');
    expect(await store.appSecrets.previous(app.clientId, T + 1000)).toBeUndefined();
    await store.appSecrets.setPrevious(app.clientId, null);
    expect(await store.appSecrets.previous(app.clientId, T)).toBeUndefined();
    await store.appSecrets.put({ clientId: app.clientId, sealedSecret: 'v1.x', createdAt: T + 5 });
    expect(await store.appSecrets.get(app.clientId)).toEqual({ clientId: app.clientId, sealedSecret: 'v1.x', createdAt: T + 5 });
    expect(await store.apps.update(app.clientId, { name: 'B', appUrl: 'https://b.example/', redirectUris: ['https://b.example/cb'], scopes: ['mall.read_order'] })).toBe(true);
    expect(await store.apps.get(app.clientId)).toMatchObject({ name: 'B', appUrl: 'https://b.example/', redirectUris: ['https://b.example/cb'], scopes: ['mall.read_order'] });
    expect(await store.apps.setSecretHash(app.clientId, 'new-hash')).toBe(true);
    expect((await store.apps.get(app.clientId))!.secretHash).toBe('new-hash');
    await store.apps.revoke(app.clientId, T + 10);
    expect(await store.apps.update(app.clientId, { ...input })).toBe(false);
    expect(await store.apps.setSecretHash(app.clientId, 'x')).toBe(false);
  });

  test('revoking an app revokes its grants and tokens; operators list (representative first) and remove', async () => {
    const d = deps();
    await createMall(d, { mallId: 'devmall' });
    await addOperator(d, { mallId: 'devmall', userId: 'zed', password: 'long enough 1', userType: 'A' });
    await addOperator(d, { mallId: 'devmall', userId: 'boss', password: 'long enough 1', userType: 'P' });
    await addOperator(d, { mallId: 'devmall', userId: 'amy', password: 'long enough 1', userType: 'A' });
    expect((await store.operators.list('devmall')).map((o) => o.userId)).toEqual(['boss', 'amy', 'zed']);
    expect(await store.operators.remove('devmall', 'amy')).toBe(true);
    expect(await store.operators.remove('devmall', 'amy')).toBe(false);
    const { app } = await createApp(d, input);
    await store.grants.upsert({ grantId: 'g-dev', mallId: 'devmall', clientId: app.clientId, userId: 'boss', scopes: ['mall.read_store'], updatedAt: T });
    await store.tokens.save([{ tokenHash: 'th-dev', kind: 'access', mallId: 'devmall', clientId: app.clientId, userId: 'boss', grantId: 'g-dev', familyId: 'f', scopes: [], jti: null, issuedAt: T, expiresAt: T + 1e6, rotatedAt: null, revokedAt: null }]);
    expect(await store.apps.revoke(app.clientId, T + 7)).toBe(true);
    expect((await store.grants.get('g-dev'))!.revokedAt).toBe(T + 7);
    expect((await store.tokens.get('th-dev'))!.revokedAt).toBe(T + 7);
  });
});
