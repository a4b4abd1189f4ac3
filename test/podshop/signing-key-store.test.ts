import { singleKey } from '../../src/keys/server-keys.js';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { jwtVerify } from 'jose';
import { describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { jwtFormat } from '../../src/oauth/tokens/jwt.js';
import { KeySealer, SigningKeys } from '../../src/oauth/tokens/signing-keys.js';
import type { KyselyStore } from '../../src/store/kysely/store.js';
import type { SigningKeyRecord } from '../../src/store/types.js';
import { DIALECTS, suiteStore } from '../support/dialects.js';

const key = (kid: string, createdAt: number): SigningKeyRecord => ({
  kid, alg: 'ES256', publicJwk: `{"kid":"${kid}"}`, sealedPrivateJwk: `sealed-${kid}`, createdAt, retiredAt: null,
});

describe.each(DIALECTS)('signing keys on $name', (dialect) => {
  let store: KyselyStore;
  suiteStore(dialect, (opened) => (store = opened));

  test('store: rotate retires every active key atomically; list keeps active and recently retired; prune deletes the rest', async () => {
    expect(await store.signingKeys.rotate(key('k1', 1000), 1000)).toEqual([]);
    expect(await store.signingKeys.rotate(key('k2', 2000), 2000)).toEqual(['k1']);
    expect(await store.signingKeys.rotate(key('k3', 3000), 3000)).toEqual(['k2']);
    expect((await store.signingKeys.list(0)).map((k) => [k.kid, k.retiredAt])).toEqual([['k3', null], ['k2', 3000], ['k1', 2000]]);
    expect(await store.signingKeys.list(2500)).toEqual([
      { ...key('k3', 3000), retiredAt: null },
      { ...key('k2', 2000), retiredAt: 3000 },
    ]);
    expect(await store.signingKeys.prune(2500)).toBe(1);
    expect((await store.signingKeys.list(0)).map((k) => k.kid)).toEqual(['k3', 'k2']);
    // A failed rotation (duplicate kid) leaves the active key active: nothing half-written.
    await expect(store.signingKeys.rotate(key('k3', 4000), 4000)).rejects.toThrow();
    expect((await store.signingKeys.list(0)).find((k) => k.retiredAt === null)?.kid).toBe('k3');
    await sql`delete from signing_keys`.execute(store.db);
  });

  test('the private key is sealed at rest (AES-256-GCM under the server key) and opens only with that key', async () => {
    const clock = new ManualClock(1_772_334_000_000);
    const serverKey = singleKey(randomBytes(32));
    const keys = new SigningKeys(store, clock, serverKey, { publishMs: 3600_000 });
    const { kid } = await keys.signingKey();
    const row = await sql<{ public_jwk: string; private_jwk: string }>`select public_jwk, private_jwk from signing_keys where kid = ${kid}`.execute(store.db);
    const { public_jwk, private_jwk } = row.rows[0]!;
    expect(JSON.parse(public_jwk)).not.toHaveProperty('d');
    expect(private_jwk).toMatch(/^v1\.[\w-]{16}\.[\w-]+\.[\w-]{22}$/);
    const d = new KeySealer(serverKey).open(kid, private_jwk).d!;
    expect(d).toMatch(/^[\w-]{43}$/);
    expect(private_jwk).not.toContain(d);
    // Another server key, or the sealed key moved to another kid: refused, with a clear message.
    expect(() => new KeySealer(singleKey(randomBytes(32))).open(kid, private_jwk)).toThrow(`signing key ${kid} cannot be unsealed`);
    expect(() => new KeySealer(serverKey).open('other-kid', private_jwk)).toThrow('cannot be unsealed');
    const stranger = new SigningKeys(store, clock, singleKey(randomBytes(32)), { publishMs: 3600_000 });
    await expect(stranger.signingKey()).rejects.toThrow('cannot be unsealed');
  });

  test('two processes on one database: a rotation by one is picked up by the other within the TTL', async () => {
    const clock = new ManualClock(1_772_400_000_000);
    const serverKey = singleKey(randomBytes(32));
    await sql`delete from signing_keys`.execute(store.db);
    const server = new SigningKeys(store, clock, serverKey, { publishMs: 3600_000, ttlMs: 10_000 });
    const cli = new SigningKeys(store, clock, serverKey, { publishMs: 3600_000 });
    const first = await server.signingKey();
    const claims = { issuer: 'https://as.example/malls/m', mallId: 'm', clientId: 'c', userId: 'c', scopes: ['mall.read_order'], issuedAt: clock.now(), expiresAt: clock.now() + 3600_000 };
    const before = await jwtFormat(server).mint(claims);

    const rotated = await cli.rotate();
    expect(rotated.retired).toEqual([first.kid]);
    expect((await server.signingKey()).kid).toBe(first.kid);
    clock.advance(10_000);
    expect((await server.signingKey()).kid).toBe(rotated.kid);
    expect((JSON.parse(await server.jwks()) as { keys: { kid: string }[] }).keys.map((k) => k.kid)).toEqual([rotated.kid, first.kid]);

    // The old token still verifies with the server's keys, and a token of the new key verifies in a third process at once.
    const verifyWith = (keys: SigningKeys, token: string) => jwtVerify(token, async (h) => (await keys.verificationKey(h.kid))!, { currentDate: new Date(clock.now()) });
    await expect(verifyWith(server, before.token)).resolves.toBeTruthy();
    const third = new SigningKeys(store, clock, serverKey, { publishMs: 3600_000 });
    await expect(verifyWith(third, (await jwtFormat(server).mint({ ...claims, issuedAt: clock.now(), expiresAt: clock.now() + 3600_000 })).token)).resolves.toBeTruthy();
  });

  test('an unknown kid reloads the set (rotation elsewhere), at most once a second', async () => {
    const clock = new ManualClock(1_772_500_000_000);
    const serverKey = singleKey(randomBytes(32));
    await sql`delete from signing_keys`.execute(store.db);
    const a = new SigningKeys(store, clock, serverKey, { publishMs: 3600_000, ttlMs: 60_000 });
    const b = new SigningKeys(store, clock, serverKey, { publishMs: 3600_000 });
    await a.signingKey();
    const { kid } = await b.rotate();
    expect(await a.verificationKey(kid)).toBeUndefined(); // loaded less than a second ago
    clock.advance(1000);
    expect(await a.verificationKey(kid)).toBeDefined();
    expect(await a.verificationKey('no-such-kid')).toBeUndefined();
  });
});
