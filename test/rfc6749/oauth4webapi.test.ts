import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Browser, readForm } from '../support/browser.js';
import { PASSWORD, REDIRECT_URI, seedApp, seedMall } from '../support/fixtures.js';
import { startServer, type TestServer } from '../support/server.js';

/**
 * Done means (issue 5): a standard, strict OAuth 2.0 client library drives shopauth end to end
 * over loopback: RFC 8414 discovery, authorization code + PKCE S256 with RFC 9207 `iss`
 * validation, refresh with rotation, RFC 7662 introspection, RFC 7009 revocation.
 * `allowInsecureRequests` only because the loopback server speaks plain http.
 */
let s: TestServer;
let client: oauth.Client;
let clientAuth: oauth.ClientAuth;
const options = { [oauth.allowInsecureRequests]: true } as const;

beforeAll(async () => {
  s = await startServer();
  await seedMall(s, 'mall1');
  const app = await seedApp(s);
  client = { client_id: app.clientId };
  clientAuth = oauth.ClientSecretBasic(app.clientSecret);
});
afterAll(() => s?.close());

/** The person in the browser: GET the authorization URL, sign in, allow. Returns the redirect. */
async function browserApproves(authorizationUrl: URL): Promise<URL> {
  const browser = new Browser();
  const login = await browser.get(authorizationUrl.href);
  expect(login.status).toBe(200);
  const lf = readForm(await login.text(), authorizationUrl.href);
  const loggedIn = await browser.post(lf.action, { csrf_token: lf.csrf, user_id: 'boss', password: PASSWORD });
  expect(loggedIn.status).toBe(303);
  const consentUrl = new URL(loggedIn.headers.get('location')!, authorizationUrl).href;
  const consent = await browser.get(consentUrl);
  const cf = readForm(await consent.text(), consentUrl);
  const done = await browser.post(cf.action, { csrf_token: cf.csrf, decision: 'allow' });
  expect(done.status).toBe(303);
  return new URL(done.headers.get('location')!);
}

describe('oauth4webapi (strict) against shopauth', () => {
  test('discovery -> authorization code + PKCE (iss checked) -> refresh -> introspection -> revocation', async () => {
    const issuer = new URL(s.mallUrl('mall1'));
    // RFC 8414 §3: oauth4webapi inserts /.well-known/oauth-authorization-server before the path.
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...options }));
    expect(as.issuer).toBe(issuer.href);
    expect(as.code_challenge_methods_supported).toEqual(['S256']);
    expect(as.authorization_response_iss_parameter_supported).toBe(true);

    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: REDIRECT_URI,
      scope: 'mall.read_store mall.read_product',
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString();

    const callback = await browserApproves(url);
    // RFC 9207: validateAuthResponse requires iss to equal the discovered issuer.
    const params = oauth.validateAuthResponse(as, client, callback, state);
    const tokenRes = await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, REDIRECT_URI, verifier, options);
    expect(tokenRes.headers.get('cache-control')).toBe('no-store');
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, tokenRes);
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.expires_in).toBe(7200);
    expect(tokens.scope).toBe('mall.read_store mall.read_product');
    expect(typeof tokens.refresh_token).toBe('string');

    // The access token works on the resource server.
    const store = await fetch(`${s.mallUrl('mall1')}/api/v2/admin/store`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(store.status).toBe(200);

    // RFC 7662: the client's own live token.
    const active = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, clientAuth, tokens.access_token, options));
    expect(active).toMatchObject({ active: true, client_id: client.client_id, scope: 'mall.read_store mall.read_product', sub: 'boss', iss: issuer.href, token_type: 'Bearer' });

    // Refresh: a new pair; the old refresh token is now rotated (inactive).
    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, clientAuth, tokens.refresh_token!, options),
    );
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    const old = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, clientAuth, tokens.refresh_token!, options));
    expect(old).toEqual({ active: false });

    // RFC 7009: revoking the refresh token revokes the family, access token included.
    await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, clientAuth, refreshed.refresh_token!, options));
    for (const t of [refreshed.access_token, refreshed.refresh_token!]) {
      const r = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, clientAuth, t, options));
      expect(r).toEqual({ active: false });
    }
    // Refreshing with a revoked token: invalid_grant, which oauth4webapi surfaces as a ResponseBodyError.
    await expect(
      oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, clientAuth, refreshed.refresh_token!, options)),
    ).rejects.toMatchObject({ error: 'invalid_grant', status: 400 });
  });

  test('a public client (token_endpoint_auth_method none): PKCE flow, refresh and revocation', async () => {
    const pubApp = await seedApp(s, { public: true });
    const pubClient: oauth.Client = { client_id: pubApp.clientId, token_endpoint_auth_method: 'none' };
    const none = oauth.None();
    const issuer = new URL(s.mallUrl('mall1'));
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...options }));
    const verifier = oauth.generateRandomCodeVerifier();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      response_type: 'code', client_id: pubClient.client_id, redirect_uri: REDIRECT_URI, scope: 'mall.read_store', state: 'pub-state',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    }).toString();
    const params = oauth.validateAuthResponse(as, pubClient, await browserApproves(url), 'pub-state');
    const tokens = await oauth.processAuthorizationCodeResponse(as, pubClient, await oauth.authorizationCodeGrantRequest(as, pubClient, none, params, REDIRECT_URI, verifier, options));
    const refreshed = await oauth.processRefreshTokenResponse(as, pubClient, await oauth.refreshTokenGrantRequest(as, pubClient, none, tokens.refresh_token!, options));
    await oauth.processRevocationResponse(await oauth.revocationRequest(as, pubClient, none, refreshed.refresh_token!, options));
    await expect(
      oauth.processRefreshTokenResponse(as, pubClient, await oauth.refreshTokenGrantRequest(as, pubClient, none, refreshed.refresh_token!, options)),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  test('an authorization error response carries iss too, and oauth4webapi accepts it as the server\'s', async () => {
    const issuer = new URL(s.mallUrl('mall1'));
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...options }));
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      response_type: 'code', client_id: client.client_id, redirect_uri: REDIRECT_URI, scope: 'mall.read_store', state: 'st',
      code_challenge: 'x'.repeat(43), code_challenge_method: 'plain',
    }).toString();
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const callback = new URL(res.headers.get('location')!);
    expect(callback.searchParams.get('iss')).toBe(issuer.href);
    expect(() => oauth.validateAuthResponse(as, client, callback, 'st')).toThrow(expect.objectContaining({ error: 'invalid_request' }));
  });
});
