import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { authorizeCode } from '../support/browser.js';
import { basic, REDIRECT_URI, seedApp, seedMall } from '../support/fixtures.js';
import { startServer, type TestServer } from '../support/server.js';

/** Each error of the token endpoint: RFC 6749 §5.2 JSON with a trace_id; invalid_client 401 + Basic challenge. */
let s: TestServer;
let app: { clientId: string; clientSecret: string };
let other: { clientId: string; clientSecret: string };
let tokenUrl: string;

beforeAll(async () => {
  s = await startServer();
  await seedMall(s, 'mall1');
  app = await seedApp(s);
  other = await seedApp(s);
  tokenUrl = `${s.mallUrl('mall1')}/api/v2/oauth/token`;
});
afterAll(() => s.close());

function post(body: string, headers: Record<string, string> = {}, auth: string | null = basic(app.clientId, app.clientSecret)) {
  return fetch(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(auth ? { authorization: auth } : {}), ...headers },
    body,
  });
}
const form = (p: Record<string, string>) => new URLSearchParams(p).toString();

async function expectError(res: Response, status: number, error: string, description: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(await res.json()).toEqual({ error, error_description: description, trace_id: res.headers.get('x-trace-id') });
  expect(res.headers.get('x-trace-id')).toMatch(/^[0-9a-f]{24}$/);
}

describe('RFC 6749 §5.2 errors of POST /api/v2/oauth/token', () => {
  test('grant_type missing: invalid_request', async () => {
    await expectError(await post(form({ code: 'x' })), 400, 'invalid_request', 'grant_type is required');
  });

  test('grant_type password: unsupported_grant_type', async () => {
    await expectError(await post(form({ grant_type: 'password', username: 'a', password: 'b' })), 400, 'unsupported_grant_type', 'grant_type password is not supported');
  });

  test('a grant_type that is not a grant type name (a misplaced secret) is not echoed', async () => {
    await expectError(await post(form({ grant_type: app.clientSecret })), 400, 'unsupported_grant_type', 'grant_type is not supported');
  });

  test('wrong secret: 401 invalid_client with WWW-Authenticate: Basic', async () => {
    const res = await post(form({ grant_type: 'authorization_code', code: 'x', redirect_uri: REDIRECT_URI }), {}, basic(app.clientId, 'wrong'));
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="shopauth"');
    await expectError(res, 401, 'invalid_client', 'client authentication failed');
  });

  test('unknown client, no credentials, malformed Basic: 401 invalid_client, nothing else revealed', async () => {
    await expectError(await post(form({ grant_type: 'refresh_token', refresh_token: 'x' }), {}, basic('NoSuchClient', 'x')), 401, 'invalid_client', 'client authentication failed');
    await expectError(await post(form({ grant_type: 'refresh_token', refresh_token: 'x' }), {}, null), 401, 'invalid_client', 'client authentication failed');
    await expectError(await post(form({ grant_type: 'refresh_token', refresh_token: 'x' }), {}, 'Basic !!!'), 401, 'invalid_client', 'client authentication failed');
  });

  test('Basic and client_secret in the body together: invalid_request (RFC 6749 §2.3)', async () => {
    await expectError(
      await post(form({ grant_type: 'refresh_token', refresh_token: 'x', client_secret: app.clientSecret })),
      400, 'invalid_request', 'use one client authentication method, not two',
    );
  });

  test('code or redirect_uri missing: invalid_request naming it', async () => {
    await expectError(await post(form({ grant_type: 'authorization_code', redirect_uri: REDIRECT_URI })), 400, 'invalid_request', 'code is required');
    await expectError(await post(form({ grant_type: 'authorization_code', code: 'abc' })), 400, 'invalid_request', 'redirect_uri is required');
  });

  test('unknown code: invalid_grant', async () => {
    await expectError(await post(form({ grant_type: 'authorization_code', code: 'NotACode', redirect_uri: REDIRECT_URI })), 400, 'invalid_grant', 'the authorization code is invalid');
  });

  test('redirect_uri differing from the authorization request: invalid_grant', async () => {
    const code = await authorizeCode(s, { mallId: 'mall1', clientId: app.clientId, scope: 'mall.read_store' });
    await expectError(
      await post(form({ grant_type: 'authorization_code', code, redirect_uri: 'https://app.example/other' })),
      400, 'invalid_grant', 'redirect_uri does not match the authorization request',
    );
  });

  test('a code of another client: invalid_grant (RFC 6749 §4.1.3)', async () => {
    const code = await authorizeCode(s, { mallId: 'mall1', clientId: other.clientId, scope: 'mall.read_store' });
    await expectError(
      await post(form({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI })),
      400, 'invalid_grant', 'the authorization code was not issued to this client',
    );
  });

  test('a code of another mall: invalid_grant', async () => {
    await seedMall(s, 'mall2');
    const code = await authorizeCode(s, { mallId: 'mall2', clientId: app.clientId, scope: 'mall.read_store' });
    const res = await post(form({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI }));
    await expectError(res, 400, 'invalid_grant', 'the authorization code was not issued to this client');
  });

  test('refresh_token missing, unknown, or of another client: invalid_request / invalid_grant', async () => {
    await expectError(await post(form({ grant_type: 'refresh_token' })), 400, 'invalid_request', 'refresh_token is required');
    await expectError(await post(form({ grant_type: 'refresh_token', refresh_token: 'nope' })), 400, 'invalid_grant', 'the refresh token is invalid');
    const code = await authorizeCode(s, { mallId: 'mall1', clientId: other.clientId, scope: 'mall.read_store' });
    const t = (await (await post(form({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI }), {}, basic(other.clientId, other.clientSecret))).json()) as { refresh_token: string };
    await expectError(await post(form({ grant_type: 'refresh_token', refresh_token: t.refresh_token })), 400, 'invalid_grant', 'the refresh token is invalid');
    // ...and the other client's token was not touched: it still refreshes for its owner.
    expect((await post(form({ grant_type: 'refresh_token', refresh_token: t.refresh_token }), {}, basic(other.clientId, other.clientSecret))).status).toBe(200);
  });

  test('a wider scope on refresh: invalid_scope (RFC 6749 §6); a narrower one is granted', async () => {
    const code = await authorizeCode(s, { mallId: 'mall1', clientId: app.clientId, scope: 'mall.read_store,mall.read_product' });
    const t = (await (await post(form({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI }))).json()) as { refresh_token: string };
    await expectError(await post(form({ grant_type: 'refresh_token', refresh_token: t.refresh_token, scope: 'mall.read_order' })), 400, 'invalid_scope', 'scope not allowed for this app: mall.read_order');
    const code2 = await authorizeCode(s, { mallId: 'mall1', clientId: app.clientId, scope: 'mall.read_store,mall.read_product' });
    const t2 = (await (await post(form({ grant_type: 'authorization_code', code: code2, redirect_uri: REDIRECT_URI }))).json()) as { refresh_token: string };
    const narrow = await post(form({ grant_type: 'refresh_token', refresh_token: t2.refresh_token, scope: 'mall.read_store' }));
    expect(narrow.status).toBe(200);
    expect(((await narrow.json()) as { scopes: string[] }).scopes).toEqual(['mall.read_store']);
  });

  test('a JSON body: invalid_request (RFC 6749 §3.2 wants a form)', async () => {
    await expectError(await post(JSON.stringify({ grant_type: 'refresh_token' }), { 'content-type': 'application/json' }), 400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded');
  });

  test('a repeated parameter: invalid_request (RFC 6749 §3.1)', async () => {
    await expectError(await post('grant_type=refresh_token&refresh_token=a&refresh_token=b'), 400, 'invalid_request', 'refresh_token is repeated');
  });

  test('an oversized body: 413 in the OAuth shape, never a 500', async () => {
    const res = await post(form({ grant_type: 'refresh_token', refresh_token: 'x'.repeat(20_000) }));
    await expectError(res, 413, 'invalid_request', 'the request body is too large');
  });

  test('a malformed JSON body with a JSON content type: 400 invalid_request', async () => {
    await expectError(await post('{"grant_type":', { 'content-type': 'application/json' }), 400, 'invalid_request', 'the JSON body is malformed');
  });

  test('no secret, token or code appears in the error description', async () => {
    const res = await post(form({ grant_type: 'refresh_token', refresh_token: 'SecretLookingToken123' }));
    expect(await res.text()).not.toContain('SecretLookingToken123');
  });
});
