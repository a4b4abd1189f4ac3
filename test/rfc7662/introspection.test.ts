import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { basic } from '../support/fixtures.js';
import { expectOAuthError, obtainTokens, postForm, startWithClients, type TestClient } from '../support/oauth.js';
import type { TestServer } from '../support/server.js';

/** RFC 7662 token introspection at POST /api/v2/oauth/introspect. */
let s: TestServer;
let app: TestClient;
let other: TestClient;
let pub: TestClient;

beforeAll(async () => {
  ({ s, app, other, pub } = await startWithClients());
});
afterAll(() => s?.close());

const introspect = (client: TestClient | null, params: Record<string, string>, mallId = 'mall1', headers: Record<string, string> = {}) =>
  postForm(s, mallId, 'introspect', params, client, headers);

describe('RFC 7662 introspection', () => {
  test('§2.2: a live access token of the caller: active with its claims; no-store', async () => {
    const t = await obtainTokens(s, 'mall1', app);
    const now = Math.floor(s.clock.now() / 1000);
    const res = await introspect(app, { token: t.access_token, token_type_hint: 'access_token' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.json()).toEqual({
      active: true,
      scope: 'mall.read_store mall.read_product',
      client_id: app.clientId,
      username: 'boss',
      sub: 'boss',
      iss: s.mallUrl('mall1'),
      exp: now + 7200,
      iat: now,
      token_type: 'Bearer',
      mall_id: 'mall1',
    });
  });

  test('a live refresh token (any hint, even a wrong or unknown one): active, no token_type', async () => {
    const t = await obtainTokens(s, 'mall1', app);
    for (const hint of ['refresh_token', 'access_token', 'nonsense']) {
      const body = (await (await introspect(app, { token: t.refresh_token, token_type_hint: hint })).json()) as Record<string, unknown>;
      expect(body).toMatchObject({ active: true, client_id: app.clientId, exp: Math.floor(s.clock.now() / 1000) + 14 * 86400 });
      expect(body.token_type).toBeUndefined();
    }
  });

  test('§2.2/§4: unknown, other client\'s, other mall\'s, expired, revoked, rotated: exactly {"active":false}', async () => {
    const mine = await obtainTokens(s, 'mall1', app);
    const theirs = await obtainTokens(s, 'mall1', other);
    const inactive = async (client: TestClient, token: string, mallId = 'mall1') => {
      const res = await introspect(client, { token }, mallId);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ active: false });
    };
    await inactive(app, 'no-such-token');
    await inactive(app, theirs.access_token); // live, but not the caller's
    await inactive(app, theirs.refresh_token);
    await inactive(app, mine.access_token, 'mall2'); // the caller's, asked at another mall
    // Rotated refresh token.
    const r = await postForm(s, 'mall1', 'token', { grant_type: 'refresh_token', refresh_token: mine.refresh_token }, app);
    const next = (await r.json()) as { access_token: string; refresh_token: string };
    await inactive(app, mine.refresh_token);
    // Revoked.
    expect((await postForm(s, 'mall1', 'revoke', { token: next.access_token }, app)).status).toBe(200);
    await inactive(app, next.access_token);
    await inactive(app, next.refresh_token);
    // Expired (ManualClock): two hours and a second later.
    const fresh = await obtainTokens(s, 'mall1', app);
    s.clock.advance(2 * 3600_000 + 1000);
    await inactive(app, fresh.access_token);
    expect((await (await introspect(app, { token: fresh.refresh_token })).json()) as object).toMatchObject({ active: true });
  });

  test('§2.1: the caller must authenticate: none, wrong secret, public client: 401 invalid_client', async () => {
    const t = await obtainTokens(s, 'mall1', app);
    await expectOAuthError(await introspect(null, { token: t.access_token }), 401, 'invalid_client');
    await expectOAuthError(await introspect(null, { token: t.access_token }, 'mall1', { authorization: basic(app.clientId, 'wrong') }), 401, 'invalid_client');
    await expectOAuthError(await introspect(pub, { token: t.access_token }), 401, 'invalid_client', 'introspection requires client authentication');
  });

  test('client_secret_post works too; missing token is invalid_request', async () => {
    const t = await obtainTokens(s, 'mall1', app);
    const res = await postForm(s, 'mall1', 'introspect', { token: t.access_token, client_id: app.clientId, client_secret: app.clientSecret }, null);
    expect(await res.json()).toMatchObject({ active: true });
    await expectOAuthError(await introspect(app, {}), 400, 'invalid_request', 'token is required');
  });
});
