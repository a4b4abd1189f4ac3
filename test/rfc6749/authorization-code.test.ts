import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { authorizeCode } from '../support/browser.js';
import { REDIRECT_URI, seedApp, seedMall } from '../support/fixtures.js';
import { expectApiRefusal, expectOAuthError, postForm, type TestClient, type TokenPair } from '../support/oauth.js';
import { startServer, type TestServer } from '../support/server.js';

/**
 * RFC 6749 §4.1.2 / §4.1.3 and RFC 9700 §4.5: a code is single-use, short-lived, and bound to
 * its client, mall and redirect URI; a replayed code revokes every token it produced.
 */
const OTHER_URI = 'https://app.example/other-callback';
let s: TestServer;
let app: TestClient;
let other: TestClient;

beforeAll(async () => {
  s = await startServer();
  await seedMall(s, 'mall1');
  await seedMall(s, 'mall2');
  app = await seedApp(s, { redirectUris: [REDIRECT_URI, OTHER_URI] });
  other = await seedApp(s);
});
afterAll(() => s?.close());

const exchange = (client: TestClient, code: string, redirectUri = REDIRECT_URI, mallId = 'mall1') =>
  postForm(s, mallId, 'token', { grant_type: 'authorization_code', code, redirect_uri: redirectUri }, client);
const api = (token: string) => fetch(`${s.mallUrl('mall1')}/api/v2/admin/store`, { headers: { authorization: `Bearer ${token}` } });
const codeFor = (redirectUri = REDIRECT_URI) => authorizeCode(s, { mallId: 'mall1', clientId: app.clientId, redirectUri });

describe('authorization code replay and binding', () => {
  test('§4.1.2: a code used twice is refused and the tokens it produced are revoked', async () => {
    const code = await codeFor();
    const tokens = (await (await exchange(app, code)).json()) as TokenPair;
    expect((await api(tokens.access_token)).status).toBe(200);
    // A refresh before the replay: the refreshed pair is in the same family and dies too.
    const refreshed = (await (await postForm(s, 'mall1', 'token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, app)).json()) as TokenPair;
    await expectOAuthError(await exchange(app, code), 400, 'invalid_grant', 'the authorization code has already been used');
    await expectApiRefusal(await api(tokens.access_token), 401, 'the access token has been revoked');
    await expectApiRefusal(await api(refreshed.access_token), 401, 'the access token has been revoked');
    await expectOAuthError(await postForm(s, 'mall1', 'token', { grant_type: 'refresh_token', refresh_token: refreshed.refresh_token }, app), 400, 'invalid_grant');
    await s.ctx.audit.flush();
    const [event] = await s.store.audit.list({ type: 'code.replay_detected' });
    expect(event).toMatchObject({ mallId: 'mall1', clientId: app.clientId, userId: 'boss', detail: { revoked: 4 } });
  });

  test('a code issued to one client cannot be redeemed by another, nor burnt by it (issue 15, item 5)', async () => {
    const code = await codeFor();
    await expectOAuthError(await exchange(other, code), 400, 'invalid_grant', 'the authorization code was not issued to this client');
    // The code's own client still redeems it; another client's later try revokes nothing either.
    const tokens = (await (await exchange(app, code)).json()) as TokenPair;
    await expectOAuthError(await exchange(other, code), 400, 'invalid_grant', 'the authorization code was not issued to this client');
    expect((await api(tokens.access_token)).status).toBe(200);
    expect(await s.store.audit.list({ type: 'code.replay_detected' }).then((e) => e.filter((x) => x.clientId === other.clientId))).toEqual([]);
  });

  test('§4.1.3: redirect_uri must be identical to the authorization request\'s, even if also registered', async () => {
    const code = await codeFor(REDIRECT_URI);
    await expectOAuthError(await exchange(app, code, OTHER_URI), 400, 'invalid_grant', 'redirect_uri does not match the authorization request');
    const code2 = await codeFor(OTHER_URI);
    await expectOAuthError(await exchange(app, code2, `${OTHER_URI}/`), 400, 'invalid_grant', 'redirect_uri does not match the authorization request');
    const code3 = await codeFor(OTHER_URI);
    expect((await exchange(app, code3, OTHER_URI)).status).toBe(200);
    await expectOAuthError(await exchange(app, 'x', ''), 400, 'invalid_request', 'redirect_uri is required');
  });

  test('a code is bound to its mall; a try at another mall leaves it usable', async () => {
    const code = await codeFor();
    await expectOAuthError(await exchange(app, code, REDIRECT_URI, 'mall2'), 400, 'invalid_grant', 'the authorization code was not issued to this client');
    expect((await exchange(app, code)).status).toBe(200);
  });

  test('a code lives one minute (wire.md)', async () => {
    const code = await codeFor();
    s.clock.advance(60_000);
    await expectOAuthError(await exchange(app, code), 400, 'invalid_grant', 'the authorization code has expired');
  });

  test('10 concurrent redemptions of one code: exactly one 200', async () => {
    const code = await codeFor();
    const statuses = (await Promise.all(Array.from({ length: 10 }, () => exchange(app, code)))).map((r) => r.status);
    expect(statuses.filter((x) => x === 200)).toHaveLength(1);
    expect(statuses.filter((x) => x === 400)).toHaveLength(9);
  });
});
