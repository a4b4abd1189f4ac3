import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { verifyPkce } from '../../src/oauth/pkce.js';
import { authorizeCode } from '../support/browser.js';
import { REDIRECT_URI, seedApp, seedMall } from '../support/fixtures.js';
import { expectOAuthError, getAuthorize, pkce, postForm, type TestClient } from '../support/oauth.js';
import { startServer, type TestServer } from '../support/server.js';

/**
 * RFC 7636 as issue 5 and RFC 9700 §2.1.1 require: S256 only; PKCE required for public clients;
 * honoured whenever a confidential client uses it; no downgrade either way. Authorization
 * endpoint errors are invalid_request redirects (with iss); token endpoint errors invalid_grant.
 */
let s: TestServer;
let conf: TestClient;
let pub: TestClient;

beforeAll(async () => {
  s = await startServer();
  await seedMall(s, 'mall1');
  conf = await seedApp(s);
  pub = await seedApp(s, { public: true });
});
afterAll(() => s?.close());

const base = (clientId: string, extra: Record<string, string> = {}) => ({
  response_type: 'code', client_id: clientId, redirect_uri: REDIRECT_URI, scope: 'mall.read_store', state: 'xyz', ...extra,
});

async function expectRedirectError(res: Response, description: string) {
  expect(res.status).toBe(302);
  const loc = new URL(res.headers.get('location')!);
  expect(`${loc.origin}${loc.pathname}`).toBe(REDIRECT_URI);
  expect(loc.searchParams.get('error')).toBe('invalid_request');
  expect(loc.searchParams.get('error_description')).toBe(description);
  expect(loc.searchParams.get('state')).toBe('xyz');
  expect(loc.searchParams.get('iss')).toBe(s.mallUrl('mall1'));
}

const exchange = (client: TestClient, code: string, extra: Record<string, string> = {}) =>
  postForm(s, 'mall1', 'token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, ...extra }, client);

describe('RFC 7636 at the authorization endpoint', () => {
  test('public client without code_challenge: invalid_request redirect', async () => {
    await expectRedirectError(await getAuthorize(s, 'mall1', base(pub.clientId)), 'code_challenge is required for public clients (PKCE)');
  });

  test('plain, or no method (which means plain, §4.3), or an unknown method: refused', async () => {
    const { challenge } = pkce();
    for (const method of ['plain', 'S512', 's256']) {
      await expectRedirectError(await getAuthorize(s, 'mall1', base(conf.clientId, { code_challenge: challenge, code_challenge_method: method })), 'code_challenge_method must be S256');
    }
    await expectRedirectError(await getAuthorize(s, 'mall1', base(pub.clientId, { code_challenge: challenge })), 'code_challenge_method must be S256');
  });

  test('malformed challenge (length, alphabet, padding, or empty) refused', async () => {
    for (const c of ['short', 'A'.repeat(42), 'A'.repeat(44), `${'A'.repeat(42)}=`, `${'A'.repeat(42)}+`, '']) {
      await expectRedirectError(await getAuthorize(s, 'mall1', base(conf.clientId, { code_challenge: c, code_challenge_method: 'S256' })), 'code_challenge is malformed');
    }
  });

  test('code_challenge_method without code_challenge refused', async () => {
    await expectRedirectError(await getAuthorize(s, 'mall1', base(conf.clientId, { code_challenge_method: 'S256' })), 'code_challenge_method without code_challenge');
  });

  test('repeated code_challenge refused', async () => {
    const { challenge } = pkce();
    const q = new URLSearchParams(base(conf.clientId, { code_challenge: challenge, code_challenge_method: 'S256' }));
    q.append('code_challenge', challenge);
    const res = await fetch(`${s.mallUrl('mall1')}/api/v2/oauth/authorize?${q.toString()}`, { redirect: 'manual' });
    await expectRedirectError(res, 'code_challenge is repeated');
  });
});

describe('RFC 7636 §4.5-4.6 at the token endpoint', () => {
  test('Appendix B test vector', () => {
    expect(verifyPkce('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')).toBe(true);
    expect(verifyPkce('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')).toBe(false);
  });

  test('public client: the right verifier with client_id only gets tokens', async () => {
    const { verifier, challenge } = pkce();
    const code = await authorizeCode(s, { mallId: 'mall1', clientId: pub.clientId, extra: { code_challenge: challenge, code_challenge_method: 'S256' } });
    const res = await exchange(pub, code, { code_verifier: verifier });
    expect(res.status).toBe(200);
  });

  test('challenge sent but verifier missing: invalid_grant (no downgrade)', async () => {
    const { challenge } = pkce();
    const code = await authorizeCode(s, { mallId: 'mall1', clientId: conf.clientId, extra: { code_challenge: challenge, code_challenge_method: 'S256' } });
    await expectOAuthError(await exchange(conf, code), 400, 'invalid_grant', 'code_verifier is required');
  });

  test('wrong verifier, and malformed verifiers (too short, too long, bad characters): invalid_grant', async () => {
    const { challenge } = pkce();
    for (const wrong of [pkce().verifier, 'a'.repeat(42), 'a'.repeat(129), `${'a'.repeat(42)}!`]) {
      const code = await authorizeCode(s, { mallId: 'mall1', clientId: conf.clientId, extra: { code_challenge: challenge, code_challenge_method: 'S256' } });
      await expectOAuthError(await exchange(conf, code, { code_verifier: wrong }), 400, 'invalid_grant', 'code_verifier does not match the code_challenge');
    }
  });

  test('a failed verifier burns the code: the right verifier afterwards is refused', async () => {
    const { verifier, challenge } = pkce();
    const code = await authorizeCode(s, { mallId: 'mall1', clientId: conf.clientId, extra: { code_challenge: challenge, code_challenge_method: 'S256' } });
    await expectOAuthError(await exchange(conf, code, { code_verifier: pkce().verifier }), 400, 'invalid_grant');
    await expectOAuthError(await exchange(conf, code, { code_verifier: verifier }), 400, 'invalid_grant', 'the authorization code has already been used');
  });

  test('no challenge at authorization but a verifier at the token endpoint: invalid_grant (no downgrade the other way)', async () => {
    const code = await authorizeCode(s, { mallId: 'mall1', clientId: conf.clientId });
    await expectOAuthError(await exchange(conf, code, { code_verifier: pkce().verifier }), 400, 'invalid_grant', 'code_verifier sent but the authorization request had no code_challenge');
  });

  test('confidential client with the right verifier, and without PKCE at all: tokens', async () => {
    const { verifier, challenge } = pkce();
    const code = await authorizeCode(s, { mallId: 'mall1', clientId: conf.clientId, extra: { code_challenge: challenge, code_challenge_method: 'S256' } });
    expect((await exchange(conf, code, { code_verifier: verifier })).status).toBe(200);
    const plainCode = await authorizeCode(s, { mallId: 'mall1', clientId: conf.clientId });
    expect((await exchange(conf, plainCode)).status).toBe(200);
  });
});
