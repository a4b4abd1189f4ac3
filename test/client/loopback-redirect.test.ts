import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorize } from '../support/browser.js';
import { seedApp, seedMall } from '../support/fixtures.js';
import { expectOAuthError, getAuthorize, pkce, postForm } from '../support/oauth.js';
import { startServer, type TestServer } from '../support/server.js';

// RFC 8252 §7.3: a loopback redirect URI may differ from the registered one in its port only.
describe('loopback redirect URIs (RFC 8252 §7.3)', () => {
  let s: TestServer;
  let client: { clientId: string; clientSecret: string };

  beforeAll(async () => {
    s = await startServer();
    await seedMall(s, 'mall1');
    client = await seedApp(s, {
      redirectUris: ['http://127.0.0.1:8765/callback', 'http://[::1]:8765/cb', 'http://localhost:8765/callback', 'https://app.example/oauth/callback'],
    });
  });
  afterAll(() => s.close());

  const query = (redirectUri: string) => ({
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: redirectUri,
    scope: 'mall.read_store',
    state: 'st',
    code_challenge: pkce().challenge,
    code_challenge_method: 'S256',
  });

  it.each(['http://127.0.0.1:51234/callback', 'http://127.0.0.1/callback', 'http://[::1]:40000/cb', 'http://127.0.0.1:8765/callback'])(
    'accepts %s and redirects to it, port included',
    async (redirectUri) => {
      const { verifier, challenge } = pkce();
      const location = await authorize(s, { mallId: 'mall1', clientId: client.clientId, redirectUri, scope: 'mall.read_store', extra: { code_challenge: challenge, code_challenge_method: 'S256' } });
      expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
      expect(location.searchParams.get('state')).toBe('state-123');
      const code = location.searchParams.get('code')!;
      // RFC 6749 §4.1.3: the token request repeats the authorization request's URI exactly.
      const res = await postForm(s, 'mall1', 'token', { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }, client);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { access_token: string }).access_token).toMatch(/./);
    },
    60_000,
  );

  it('the token request must repeat the port of the authorization request, not the registered one', async () => {
    const { verifier, challenge } = pkce();
    const location = await authorize(s, {
      mallId: 'mall1',
      clientId: client.clientId,
      redirectUri: 'http://127.0.0.1:51234/callback',
      scope: 'mall.read_store',
      extra: { code_challenge: challenge, code_challenge_method: 'S256' },
    });
    const code = location.searchParams.get('code')!;
    const res = await postForm(s, 'mall1', 'token', { grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1:8765/callback', code_verifier: verifier }, client);
    await expectOAuthError(res, 400, 'invalid_grant', 'redirect_uri does not match the authorization request');
  }, 60_000);

  it.each([
    ['another path', 'http://127.0.0.1:51234/other'],
    ['a query added', 'http://127.0.0.1:51234/callback?x=1'],
    ['a trailing slash', 'http://127.0.0.1:51234/callback/'],
    ['another loopback address', 'http://127.0.0.1:51234/cb'],
    ['[::1] for 127.0.0.1', 'http://[::1]:51234/callback'],
    ['https on loopback', 'https://127.0.0.1:51234/callback'],
    ['localhost (not an IP literal, RFC 8252 §8.3)', 'http://localhost:9999/callback'],
    ['a non-loopback host with another port', 'https://app.example:8443/oauth/callback'],
    ['userinfo', 'http://127.0.0.1:51234@evil.example/callback'],
    ['a port out of range', 'http://127.0.0.1:70000/callback'],
    ['a fragment', 'http://127.0.0.1:51234/callback#x'],
  ])('refuses %s (%s) on a page, never redirecting', async (_why, redirectUri) => {
    const res = await getAuthorize(s, 'mall1', query(redirectUri));
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('redirect_uri is not registered for this app');
  });
});
