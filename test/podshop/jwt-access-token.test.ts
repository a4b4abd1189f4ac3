import { createRemoteJWKSet, decodeProtectedHeader, generateKeyPair, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { jwtFormat } from '../../src/oauth/tokens/jwt.js';
import { signingKeysOf } from '../../src/oauth/tokens/signing-keys.js';
import { basic, seedApp, seedMall } from '../support/fixtures.js';
import { startServer, type TestServer } from '../support/server.js';
import { expectApiRefusal } from '../support/oauth.js';
import { DOES_NOT_EXIST, expectPod401, post, seedCredentials, type PodTokens } from './support.js';

/**
 * RFC 9068 JWT access tokens of the POD Shop dialect: verified by a standard library (jose) against
 * the published JWK Set, the claims of §2.2, and refused by shopauth at once after revocation,
 * though the signature stays valid.
 */
let s: TestServer;
let creds: { clientId: string; clientKey: string };
let jwks: ReturnType<typeof createRemoteJWKSet>;

beforeAll(async () => {
  s = await startServer();
  await seedMall(s, 'mall1');
  await seedMall(s, 'mall2');
  creds = await seedCredentials(s, 'mall1', { scopes: ['mall.read_store', 'mall.read_order'] });
  jwks = createRemoteJWKSet(new URL(`${s.url}/.well-known/jwks.json`));
});
afterAll(() => s.close());

async function issue(): Promise<PodTokens> {
  const res = await post(`${s.url}/ac/oauth/ext/token`, basic(creds.clientId, creds.clientKey));
  expect(res.status).toBe(200);
  return (await res.json()) as PodTokens;
}

/** A standard verification, at the server's (manual) time. */
const verify = (token: string) => jwtVerify(token, jwks, { currentDate: new Date(s.clock.now()), typ: 'at+jwt' });

const storeApi = (mallId: string, authorization: string) => fetch(`${s.mallUrl(mallId)}/api/v2/admin/store`, { headers: { authorization } });

describe('RFC 9068 §2: the access token', () => {
  test('verifies against /.well-known/jwks.json with jose and carries iss, sub, aud, client_id, scope, exp, iat, jti', async () => {
    const t = await issue();
    const { payload, protectedHeader } = await verify(t.access_token);
    expect(protectedHeader).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: expect.any(String) });
    const issuer = `${s.url}/malls/mall1`;
    const now = Math.floor(s.clock.now() / 1000);
    expect(payload).toEqual({
      iss: issuer,
      sub: creds.clientId,
      aud: issuer,
      client_id: creds.clientId,
      scope: 'mall.read_store mall.read_order',
      iat: now,
      exp: now + 3600,
      jti: expect.stringMatching(/^[\w-]{22}$/),
    } satisfies JWTPayload);
    // Stored by hash with its jti, like an opaque token (so it can be revoked by either).
    const record = await s.store.tokens.findByJti(payload.jti!);
    expect(record).toMatchObject({ kind: 'access', mallId: 'mall1', clientId: creds.clientId, expiresAt: s.clock.now() + 3600_000 });
    expect(record!.tokenHash).toBe(s.ctx.hasher.hash(t.access_token));
  });

  test('the JWK Set holds public keys only, served as cacheable JSON', async () => {
    const res = await fetch(`${s.url}/.well-known/jwks.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    const body = (await res.json()) as { keys: Record<string, string>[] };
    expect(body.keys.length).toBeGreaterThanOrEqual(1);
    for (const key of body.keys) {
      expect(key).toEqual({ kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String), kid: expect.any(String), alg: 'ES256', use: 'sig' });
    }
  });

  test('the metadata names the JWK Set (jwks_uri)', async () => {
    const res = await fetch(`${s.mallUrl('mall1')}/.well-known/oauth-authorization-server`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { jwks_uri: string }).jwks_uri).toBe(`${s.url}/.well-known/jwks.json`);
  });
});

describe('the API accepts it as a bearer token, and refuses it once revoked', () => {
  test('`Authorization: bearer` (any case) of a POD Shop JWT works on the Cafe24-style API of its mall', async () => {
    const t = await issue();
    for (const scheme of ['bearer', 'Bearer', 'BEARER']) expect((await storeApi('mall1', `${scheme} ${t.access_token}`)).status).toBe(200);
  });

  test('revoked through RFC 7009: refused at once although its signature still verifies', async () => {
    const t = await issue();
    expect((await storeApi('mall1', `bearer ${t.access_token}`)).status).toBe(200);
    const revoke = await fetch(`${s.mallUrl('mall1')}/api/v2/oauth/revoke`, {
      method: 'POST',
      headers: { authorization: basic(creds.clientId, creds.clientKey), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: t.access_token }).toString(),
    });
    expect(revoke.status).toBe(200);
    await expect(verify(t.access_token)).resolves.toBeTruthy();
    const res = await storeApi('mall1', `bearer ${t.access_token}`);
    await expectApiRefusal(res, 401, 'the access token has been revoked');
    // Revoking the access token also revoked its refresh token (wire.md, Revocation).
    const refresh = await post(`${s.url}/ac/oauth/ext/token/refresh?refreshToken=${t.refresh_token}`, basic(creds.clientId, creds.clientKey));
    await expectPod401(refresh, DOES_NOT_EXIST);
  });

  test('after its hour: 401, expired', async () => {
    const t = await issue();
    s.clock.advance(3600_000);
    const res = await storeApi('mall1', `bearer ${t.access_token}`);
    await expectApiRefusal(res, 401, 'the access token has expired');
  });

  test('a token of mall1 is invalid at mall2', async () => {
    const t = await issue();
    const res = await storeApi('mall2', `Bearer ${t.access_token}`);
    await expectApiRefusal(res, 401, 'the access token is invalid');
  });

  test('forgeries: another key under our kid, alg none, a tampered payload, a JWT we never stored', async () => {
    const t = await issue();
    const { kid } = decodeProtectedHeader(t.access_token);
    const now = Math.floor(s.clock.now() / 1000);
    const claims = { client_id: creds.clientId, scope: 'mall.read_store' };
    const { privateKey } = await generateKeyPair('ES256');
    const foreign = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: kid! })
      .setIssuer(`${s.url}/malls/mall1`).setSubject(creds.clientId).setAudience(`${s.url}/malls/mall1`)
      .setIssuedAt(now).setExpirationTime(now + 3600).setJti('forged').sign(privateKey);
    const [h, p, sig] = t.access_token.split('.');
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${h}.${enc({ ...payload, scope: 'mall.write_order' })}.${sig}`;
    const none = `${enc({ alg: 'none', typ: 'at+jwt' })}.${p}.`;
    for (const token of [foreign, tampered, none]) {
      const res = await storeApi('mall1', `Bearer ${token}`);
      await expectApiRefusal(res, 401, 'the access token is invalid');
    }
    // Signed by our own signing key with valid claims but never issued (no stored record): refused too.
    const minted = await jwtFormat(signingKeysOf(s.ctx)).mint({
      issuer: `${s.url}/malls/mall1`, mallId: 'mall1', clientId: creds.clientId, userId: creds.clientId,
      scopes: ['mall.read_store'], issuedAt: s.clock.now(), expiresAt: s.clock.now() + 3600_000,
    });
    await expect(verify(minted.token)).resolves.toBeTruthy();
    await expectApiRefusal(await storeApi('mall1', `Bearer ${minted.token}`), 401, 'the access token is invalid');
  });
});

describe('Basic credentials directly on the API (POD Shop document, 1)', () => {
  test('API credentials authenticate a call to their mall; not to another mall; a wrong key is 401', async () => {
    expect((await storeApi('mall1', basic(creds.clientId, creds.clientKey))).status).toBe(200);
    const other = await storeApi('mall2', basic(creds.clientId, creds.clientKey));
    await expectApiRefusal(other, 401, 'client authentication failed', 'Basic realm="shopauth"');
    await expectApiRefusal(await storeApi('mall1', basic(creds.clientId, 'wrong')), 401, 'client authentication failed', 'Basic realm="shopauth"');
  });

  test('a Cafe24 app\'s client secret is not an API credential', async () => {
    const app = await seedApp(s);
    await expectApiRefusal(await storeApi('mall1', basic(app.clientId, app.clientSecret)), 401, 'client authentication failed', 'Basic realm="shopauth"');
  });

  test('credentials without the scope: 403', async () => {
    const narrow = await seedCredentials(s, 'mall1', { scopes: ['mall.read_order'] });
    const refused = await storeApi('mall1', basic(narrow.clientId, narrow.clientKey));
    expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="shopauth", error="insufficient_scope", scope="mall.read_store"');
    await expectApiRefusal(refused, 403, 'this call needs the scope mall.read_store');
  });
});
