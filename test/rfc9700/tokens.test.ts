import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { expectApiRefusal, expectTokenError, obtainTokens, postForm, startWithClients, type TestClient } from '../support/oauth.js';
import type { TestServer } from '../support/server.js';

/** RFC 9700 §2.2 / §4.3 / §4.14: token handling beyond rotation (refresh-reuse.test.ts). */
let s: TestServer;
let app: TestClient;
let other: TestClient;
let pub: TestClient;

beforeAll(async () => {
  ({ s, app, other, pub } = await startWithClients());
});
afterAll(() => s?.close());

const api = (path: string, headers: Record<string, string> = {}) => fetch(`${s.mallUrl('mall1')}/api/v2/admin/store${path}`, { headers });

describe('tokens', () => {
  test('§4.14.2: a refresh token is bound to its client: another client gets invalid_grant and the token is untouched', async () => {
    const t = await obtainTokens(s, 'mall1', app);
    await expectTokenError(await postForm(s, 'mall1', 'token', { grant_type: 'refresh_token', refresh_token: t.refresh_token }, other), 400, 'invalid_grant', 'the refresh token is invalid');
    await expectTokenError(await postForm(s, 'mall1', 'token', { grant_type: 'refresh_token', refresh_token: t.refresh_token }, pub), 400, 'invalid_grant', 'the refresh token is invalid');
    expect((await postForm(s, 'mall1', 'token', { grant_type: 'refresh_token', refresh_token: t.refresh_token }, app)).status).toBe(200);
  });

  test('an access token is not a refresh token', async () => {
    const t = await obtainTokens(s, 'mall1', app);
    await expectTokenError(await postForm(s, 'mall1', 'token', { grant_type: 'refresh_token', refresh_token: t.access_token }, app), 400, 'invalid_grant', 'the refresh token is invalid');
  });

  test('refresh may narrow the scope, never widen it, and an empty scope is refused (RFC 6749 §6)', async () => {
    const t = await obtainTokens(s, 'mall1', app);
    await expectTokenError(await postForm(s, 'mall1', 'token', { grant_type: 'refresh_token', refresh_token: t.refresh_token, scope: 'mall.read_order' }, app), 400, 'invalid_scope', 'scope not allowed for this app: mall.read_order');
    await expectTokenError(await postForm(s, 'mall1', 'token', { grant_type: 'refresh_token', refresh_token: t.refresh_token, scope: ' ' }, app), 400, 'invalid_scope', 'scope is empty; omit it to keep the granted scope');
    const narrowed = await postForm(s, 'mall1', 'token', { grant_type: 'refresh_token', refresh_token: t.refresh_token, scope: 'mall.read_store' }, app);
    expect(((await narrowed.json()) as { scope: string }).scope).toBe('mall.read_store');
  });

  test('§4.3.2 / RFC 6750 §2.3: no access token in the query string; only the Authorization header', async () => {
    const t = await obtainTokens(s, 'mall1', app);
    await expectApiRefusal(await api(`?access_token=${t.access_token}`), 401, 'an access token is required', 'Bearer realm="shopauth"');
    expect((await api('', { authorization: `Bearer ${t.access_token}` })).status).toBe(200);
  });

  test('§2.3: an access token works only at the mall it was issued for', async () => {
    const t = await obtainTokens(s, 'mall1', app);
    const other = await fetch(`${s.mallUrl('mall2')}/api/v2/admin/store`, { headers: { authorization: `Bearer ${t.access_token}` } });
    await expectApiRefusal(other, 401, 'the access token is invalid'); // another mall's token is as good as unknown (admin-api.md)
  });

  test('§2.4 / §2.2.2: implicit and password grants are not offered', async () => {
    await expectTokenError(await postForm(s, 'mall1', 'token', { grant_type: 'password', username: 'boss', password: 'x' }, app), 400, 'unsupported_grant_type', 'grant_type password is not supported');
    await expectTokenError(await postForm(s, 'mall1', 'token', { grant_type: 'client_credentials' }, app), 400, 'unsupported_grant_type', 'grant_type client_credentials is not supported');
  });

  test('token responses and token errors are never cached (RFC 6749 §5.1)', async () => {
    const t = await postForm(s, 'mall1', 'token', { grant_type: 'refresh_token', refresh_token: (await obtainTokens(s, 'mall1', app)).refresh_token }, app);
    expect(t.headers.get('cache-control')).toBe('no-store');
    expect(t.headers.get('pragma')).toBe('no-cache');
    const e = await postForm(s, 'mall1', 'token', { grant_type: 'refresh_token', refresh_token: 'x' }, app);
    await expectTokenError(e, 400, 'invalid_grant', 'the refresh token is invalid', { pragma: 'no-cache' });
  });
});
