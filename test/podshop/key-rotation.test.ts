import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { signingKeysOf } from '../../src/oauth/tokens/signing-keys.js';
import { runCliJson } from '../support/cli.js';
import { basic, seedMall } from '../support/fixtures.js';
import { startServer, type TestServer } from '../support/server.js';
import { expectApiRefusal } from '../support/oauth.js';
import { post, seedCredentials, type PodTokens } from './support.js';

/** Key rotation: tokens signed before it still verify until they expire; old keys then leave the JWK Set. */
async function issue(s: TestServer, creds: { clientId: string; clientKey: string }): Promise<PodTokens> {
  const res = await post(`${s.url}/ac/oauth/ext/token`, basic(creds.clientId, creds.clientKey));
  expect(res.status).toBe(200);
  return (await res.json()) as PodTokens;
}

const kidOf = (token: string) => decodeProtectedHeader(token).kid;
const publishedKids = async (s: TestServer) =>
  ((await (await fetch(`${s.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
const storeApi = (s: TestServer, token: string) => fetch(`${s.mallUrl('mall1')}/api/v2/admin/store`, { headers: { authorization: `Bearer ${token}` } });

describe('rotation in the server process', () => {
  let s: TestServer;
  let creds: { clientId: string; clientKey: string };
  beforeAll(async () => {
    s = await startServer();
    await seedMall(s, 'mall1');
    creds = await seedCredentials(s, 'mall1');
  });
  afterAll(() => s.close());

  test('a token signed before rotation verifies (JWKS and API) until it expires; the old key is then unpublished', async () => {
    const before = await issue(s, creds);
    const oldKid = kidOf(before.access_token)!;
    const rotated = await signingKeysOf(s.ctx).rotate();
    expect(rotated.retired).toEqual([oldKid]);

    const after = await issue(s, creds);
    expect(kidOf(after.access_token)).toBe(rotated.kid);
    expect(await publishedKids(s)).toEqual([rotated.kid, oldKid]);

    // A fresh verifier (no cached JWK Set) fetches the published keys and accepts both tokens.
    const jwks = createRemoteJWKSet(new URL(`${s.url}/.well-known/jwks.json`));
    const at = () => ({ currentDate: new Date(s.clock.now()) });
    await expect(jwtVerify(before.access_token, jwks, at())).resolves.toBeTruthy();
    await expect(jwtVerify(after.access_token, jwks, at())).resolves.toBeTruthy();
    expect((await storeApi(s, before.access_token)).status).toBe(200);

    // 59 minutes later: still good. At the hour: expired, as it would have been without rotation.
    s.clock.advance(59 * 60_000);
    expect((await storeApi(s, before.access_token)).status).toBe(200);
    s.clock.advance(60_000);
    await expectApiRefusal(await storeApi(s, before.access_token), 401, 'the access token has expired');
    await expect(jwtVerify(before.access_token, jwks, at())).rejects.toThrow('"exp" claim timestamp check failed');

    // Retired keys stay published for the longest access-token lifetime (2 hours) plus 5 minutes of skew.
    expect(await publishedKids(s)).toContain(oldKid);
    s.clock.advance(65 * 60_000 + 1);
    expect(await publishedKids(s)).toEqual([rotated.kid]);
  });
});

describe('rotation by `shopauth keys rotate` in another process', () => {
  let dir: string;
  let s: TestServer;
  let creds: { clientId: string; clientKey: string };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shopauth-keys-'));
    // The CLI runs on the system clock; the server's manual clock starts there too.
    s = await startServer({ db: join(dir, 'keys.db'), clock: new ManualClock(Date.now()) });
    await seedMall(s, 'mall1');
    creds = await seedCredentials(s, 'mall1');
  });
  afterAll(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the running server signs with the new key and publishes it within its cache TTL (10 s)', async () => {
    const before = await issue(s, creds);
    const oldKid = kidOf(before.access_token);
    const rotated = await runCliJson<{ kid: string; retired: string[] }>(['keys', 'rotate', '--db', join(dir, 'keys.db')]);
    expect(rotated.retired).toEqual([oldKid]);

    // Within the TTL the cached key is still used; the new kid is not known yet.
    expect(kidOf((await issue(s, creds)).access_token)).toBe(oldKid);
    s.clock.advance(10_000);
    expect(kidOf((await issue(s, creds)).access_token)).toBe(rotated.kid);
    expect(await publishedKids(s)).toEqual([rotated.kid, oldKid]);
    expect((await storeApi(s, before.access_token)).status).toBe(200);
  });
});
