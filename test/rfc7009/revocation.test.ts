import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { expectOAuthError, isActive, obtainTokens, postForm, startWithClients, type TestClient } from '../support/oauth.js';
import type { TestServer } from '../support/server.js';

/** RFC 7009 token revocation, in its own spelling and Cafe24's (wire.md, Revocation). */
let s: TestServer;
let app: TestClient;
let other: TestClient;
let pub: TestClient;

beforeAll(async () => {
  ({ s, app, other, pub } = await startWithClients());
});
afterAll(() => s?.close());

const revoke = (client: TestClient | null, params: Record<string, string>, mallId = 'mall1') => postForm(s, mallId, 'revoke', params, client);
const live = (client: TestClient, token: string) => isActive(s, client, token);

async function expectEmpty200(res: Response) {
  expect(res.status).toBe(200);
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(await res.text()).toBe('');
}

describe('RFC 7009 revocation', () => {
  test('§2.1 token_type_hint=access_token: the access token and its refresh token are revoked', async () => {
    const t = await obtainTokens(s, 'mall1', app);
    await expectEmpty200(await revoke(app, { token: t.access_token, token_type_hint: 'access_token' }));
    expect(await live(app, t.access_token)).toBe(false);
    expect(await live(app, t.refresh_token)).toBe(false);
  });

  test('Cafe24 form token_hint=refresh_token, and a wrong hint, and no hint: all revoke (the hint is only a hint)', async () => {
    for (const hint of [{ token_hint: 'refresh_token' }, { token_type_hint: 'access_token' }, { token_type_hint: 'something_else' }, {}]) {
      const t = await obtainTokens(s, 'mall1', app);
      await expectEmpty200(await revoke(app, { token: t.refresh_token, ...hint }));
      expect(await live(app, t.access_token)).toBe(false); // §2.1: the access tokens of the same grant too
    }
  });

  test('§2.2: unknown and already revoked tokens: 200', async () => {
    await expectEmpty200(await revoke(app, { token: 'no-such-token' }));
    const t = await obtainTokens(s, 'mall1', app);
    await expectEmpty200(await revoke(app, { token: t.access_token }));
    expect(await live(app, t.access_token)).toBe(false);
    await expectEmpty200(await revoke(app, { token: t.access_token }));
  });

  test('§2.2: expired access and refresh tokens: 200, and they stay dead', async () => {
    // A server of its own: the clock moves past both lifetimes (2 h access, 14 days refresh).
    const own = await startWithClients();
    try {
      const t = await obtainTokens(own.s, 'mall1', own.app);
      own.s.clock.advance(own.s.config.lifetimes.accessMs + 1000);
      expect(await isActive(own.s, own.app, t.access_token)).toBe(false);
      expect(await isActive(own.s, own.app, t.refresh_token)).toBe(true);
      await expectEmpty200(await postForm(own.s, 'mall1', 'revoke', { token: t.access_token }, own.app));
      own.s.clock.advance(own.s.config.lifetimes.refreshMs);
      expect(await isActive(own.s, own.app, t.refresh_token)).toBe(false);
      await expectEmpty200(await postForm(own.s, 'mall1', 'revoke', { token: t.refresh_token, token_type_hint: 'refresh_token' }, own.app));
      await expectOAuthError(await postForm(own.s, 'mall1', 'token', { grant_type: 'refresh_token', refresh_token: t.refresh_token }, own.app), 400, 'invalid_grant');
    } finally {
      await own.s.close();
    }
  });

  test('§2.1: another client\'s valid token is refused (invalid_request) and stays live; once invalid it is just 200', async () => {
    const theirs = await obtainTokens(s, 'mall1', other);
    await expectOAuthError(await revoke(app, { token: theirs.access_token }), 400, 'invalid_request', 'the token was not issued to this client');
    await expectOAuthError(await revoke(pub, { token: theirs.refresh_token }), 400, 'invalid_request');
    expect(await live(other, theirs.access_token)).toBe(true);
    await expectEmpty200(await revoke(other, { token: theirs.access_token }));
    await expectEmpty200(await revoke(app, { token: theirs.access_token })); // revoked now: an invalid token (§2.2)
  });

  test('a token of another mall (another issuer) is an invalid token there: 200, and it stays live', async () => {
    const mine = await obtainTokens(s, 'mall1', app);
    await expectEmpty200(await revoke(app, { token: mine.access_token }, 'mall2'));
    expect(await live(app, mine.access_token)).toBe(true);
  });

  test('§2.1: the client authenticates; a public client identifies itself with client_id', async () => {
    const t = await obtainTokens(s, 'mall1', app);
    await expectOAuthError(await revoke(null, { token: t.access_token }), 401, 'invalid_client');
    expect(await live(app, t.access_token)).toBe(true);
    const p = await obtainTokens(s, 'mall1', pub);
    await expectEmpty200(await revoke(pub, { token: p.refresh_token }));
    const after = await postForm(s, 'mall1', 'token', { grant_type: 'refresh_token', refresh_token: p.refresh_token }, pub);
    await expectOAuthError(after, 400, 'invalid_grant', 'the refresh token has been revoked');
  });

  test('missing token: invalid_request; the revocation is audited without the token', async () => {
    await expectOAuthError(await revoke(app, {}), 400, 'invalid_request', 'token is required');
    const t = await obtainTokens(s, 'mall1', app);
    await revoke(app, { token: t.access_token });
    await s.ctx.audit.flush();
    const [event] = await s.store.audit.list({ type: 'token.revoked' });
    expect(event).toMatchObject({ mallId: 'mall1', clientId: app.clientId, userId: 'boss', detail: { kind: 'access', revoked: 2 } });
    expect(JSON.stringify(event)).not.toContain(t.access_token);
  });
});
