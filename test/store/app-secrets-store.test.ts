import { assembleAppContext } from '../../src/app-context.js';
import { singleKey } from '../../src/keys/server-keys.js';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { appSecretSealer } from '../../src/keys/sealing.js';
import { createApp } from '../../src/registry/registry.js';
import { Sealer } from '../../src/keys/sealing.js';
import type { KyselyStore } from '../../src/store/kysely/store.js';
import { DIALECTS, suiteStore } from '../support/dialects.js';

/**
 * app_secrets (migration 007): the client secrets kept for App URL launches (wire.md), sealed with
 * AES-256-GCM under a key derived from the server key, client_id as associated data; written in
 * the same transaction as the app. Run on every dialect.
 */
describe.each(DIALECTS)('app secrets on $name', (dialect) => {
  let store: KyselyStore;
  suiteStore(dialect, (opened) => (store = opened));
  const T = 1_772_334_000_123;
  const serverKey = singleKey(randomBytes(32));
  const sealer = appSecretSealer(serverKey);
  const deps = () => assembleAppContext({ store, clock: new ManualClock(T), keys: serverKey });
  const app = { name: 'A', appUrl: 'https://a.example/', redirectUris: ['https://a.example/cb'], scopes: ['mall.read_store'] };

  test('createApp keeps the secret sealed: the sealed value opens to the secret and does not contain it', async () => {
    const { app: created, clientSecret } = await createApp(deps(), app);
    const row = await store.appSecrets.get(created.clientId);
    expect(row).toEqual({ clientId: created.clientId, sealedSecret: expect.stringMatching(/^v1\.[\w-]{16}\.[\w-]+\.[\w-]{22}$/), createdAt: T });
    expect(row!.sealedSecret).not.toContain(clientSecret);
    expect(row!.sealedSecret).not.toContain(Buffer.from(clientSecret!).toString('base64url'));
    expect(sealer.open(created.clientId, row!.sealedSecret)).toBe(clientSecret);
    // Bound to its row (associated data) and to the server key.
    expect(() => sealer.open('another-client', row!.sealedSecret)).toThrow('cannot be unsealed');
    expect(() => appSecretSealer(singleKey(randomBytes(32))).open(created.clientId, row!.sealedSecret)).toThrow('cannot be unsealed');
    // Another purpose of the same server key (the signing keys') is another key.
    expect(() => new Sealer(serverKey, 'shopauth signing-key encryption v1').open(created.clientId, row!.sealedSecret)).toThrow('cannot be unsealed');
    // The column holds exactly the sealed value.
    const raw = (await sql<{ sealed_secret: string }>`select sealed_secret from app_secrets where client_id = ${created.clientId}`.execute(store.db)).rows;
    expect(raw).toEqual([{ sealed_secret: row!.sealedSecret }]);
  });

  test('add stores once: a second add for the same app keeps the first; unknown apps have none', async () => {
    const { app: created } = await createApp(deps(), app);
    const first = await store.appSecrets.get(created.clientId);
    expect(await store.appSecrets.add({ clientId: created.clientId, sealedSecret: 'v1.x.y.z', createdAt: T + 1 })).toBe(false);
    expect(await store.appSecrets.get(created.clientId)).toEqual(first);
    expect(await store.appSecrets.get('nope')).toBeUndefined();
  });

  test('public clients and apps created without a sealer have no sealed secret', async () => {
    const pub = await createApp(deps(), { ...app, public: true });
    expect(await store.appSecrets.get(pub.app.clientId)).toBeUndefined();
    const { secretSealer: _, ...withoutSealer } = deps();
    const old = await createApp(withoutSealer, app);
    expect(await store.appSecrets.get(old.app.clientId)).toBeUndefined();
    expect(await store.appSecrets.add({ clientId: old.app.clientId, sealedSecret: sealer.seal(old.app.clientId, old.clientSecret!), createdAt: T })).toBe(true);
  });

  test('the app and its sealed secret are written in one transaction: if the secret cannot be stored, neither is', async () => {
    await sql`drop table app_secrets`.execute(store.db);
    const before = (await store.apps.list()).length;
    await expect(createApp(deps(), app)).rejects.toThrow();
    expect((await store.apps.list()).length).toBe(before);
  });
});
