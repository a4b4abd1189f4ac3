import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { defaultLifetimes, loadConfig } from '../../src/config.js';
import { seedApp, seedMall } from '../support/fixtures.js';
import { DIALECTS } from '../support/dialects.js';
import { expectApiRefusal, expectOAuthError, isActive, obtainTokens, postForm, type TestClient, type TokenPair } from '../support/oauth.js';
import { startServer, type TestServer } from '../support/server.js';

/**
 * RFC 9700 §4.14.2 refresh token rotation with reuse detection, on SQLite and PostgreSQL:
 * presenting a rotated refresh token revokes the whole family, atomically, so that concurrent
 * refreshes of one token yield exactly one new pair and never a 5xx.
 */
type Dialect = (typeof DIALECTS)[number];

/** A server on the dialect's store with mall1 and one app, for the suite's lifetime; refresh and liveness helpers. */
function suite(dialect: Dialect, refreshGraceMs = 0) {
  const env = {} as { s: TestServer; app: TestClient; db: { url: string; drop: () => Promise<void> } };
  beforeAll(async () => {
    env.db = dialect.open();
    env.s = await startServer({ db: env.db.url, config: { lifetimes: { ...defaultLifetimes, refreshGraceMs } } });
    await seedMall(env.s, 'mall1');
    env.app = await seedApp(env.s);
  });
  afterAll(async () => {
    await env.s?.close();
    await env.db?.drop();
  });
  return {
    env,
    refresh: (token: string) => postForm(env.s, 'mall1', 'token', { grant_type: 'refresh_token', refresh_token: token }, env.app),
    live: (token: string) => isActive(env.s, env.app, token),
  };
}

describe.each(DIALECTS)('refresh token reuse ($name)', (dialect) => {
  const { env, refresh, live } = suite(dialect);
  const api = (token: string) => fetch(`${env.s.mallUrl('mall1')}/api/v2/admin/store`, { headers: { authorization: `Bearer ${token}` } });

  test('a rotated token presented again: invalid_grant, and every token of the family is revoked', async () => {
    const first = await obtainTokens(env.s, 'mall1', env.app);
    const second = (await (await refresh(first.refresh_token)).json()) as TokenPair;
    const third = (await (await refresh(second.refresh_token)).json()) as TokenPair;
    expect(await live(third.access_token)).toBe(true);
    // The attacker (or a confused client) replays the first refresh token.
    await expectOAuthError(await refresh(first.refresh_token), 400, 'invalid_grant', 'the refresh token has already been used; its token family is revoked');
    for (const t of [third.access_token, third.refresh_token, second.access_token]) expect(await live(t)).toBe(false);
    await expectApiRefusal(await api(third.access_token), 401, 'the access token has been revoked');
    await expectOAuthError(await refresh(third.refresh_token), 400, 'invalid_grant', 'the refresh token has been revoked');
    await env.s.ctx.audit.flush();
    const events = await env.s.store.audit.list({ type: 'refresh.reuse_detected' });
    expect(events[0]).toMatchObject({ mallId: 'mall1', clientId: env.app.clientId, userId: 'boss', ip: '127.0.0.1' });
    // Three pairs were minted in the family; all six tokens are now revoked.
    expect(events[0]!.detail).toMatchObject({ revoked: 6 });
  });

  test('another family of the same operator and app is untouched', async () => {
    const a = await obtainTokens(env.s, 'mall1', env.app);
    const b = await obtainTokens(env.s, 'mall1', env.app);
    await refresh(a.refresh_token);
    await refresh(a.refresh_token); // reuse: family a dies
    expect(await live(b.access_token)).toBe(true);
    expect((await refresh(b.refresh_token)).status).toBe(200);
  });

  test('50 concurrent refreshes of one token: exactly one 200, 49 invalid_grant, no 5xx', async () => {
    const t = await obtainTokens(env.s, 'mall1', env.app);
    const responses = await Promise.all(Array.from({ length: 50 }, () => refresh(t.refresh_token)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((x) => x === 200)).toHaveLength(1);
    expect(statuses.filter((x) => x === 400)).toHaveLength(49);
    const bodies = await Promise.all(responses.map((r) => r.json() as Promise<Record<string, string>>));
    for (const [i, b] of bodies.entries()) if (statuses[i] === 400) expect(b.error).toBe('invalid_grant');
    // Reuse was detected (the losers presented a rotated token), so with no grace the family,
    // including the winner's new pair, is revoked: concurrent use of one refresh token is
    // indistinguishable from theft (docs/security.md).
    const winner = bodies[statuses.indexOf(200)] as unknown as TokenPair;
    expect(await live(winner.refresh_token)).toBe(false);
    // The server keeps serving.
    const again = await obtainTokens(env.s, 'mall1', env.app);
    expect((await refresh(again.refresh_token)).status).toBe(200);
  });
});

describe.each(DIALECTS)('refresh grace period ($name, SHOPAUTH_REFRESH_GRACE_SECONDS=10)', (dialect) => {
  const { env, refresh, live } = suite(dialect, 10_000);

  test('ONE retry within the grace gets another pair of the same family, replacing the first (issue 15, item 6)', async () => {
    const t = await obtainTokens(env.s, 'mall1', env.app);
    const first = (await (await refresh(t.refresh_token)).json()) as TokenPair;
    env.s.clock.advance(9_999);
    const retry = await refresh(t.refresh_token);
    expect(retry.status).toBe(200);
    const second = (await retry.json()) as TokenPair;
    expect(second.refresh_token).not.toBe(first.refresh_token);
    // One chain stays live: the pair the retry replaces is revoked, the new one works.
    for (const x of [first.access_token, first.refresh_token]) expect(await live(x)).toBe(false);
    for (const x of [second.access_token, second.refresh_token]) expect(await live(x)).toBe(true);
    expect(await env.s.store.audit.list({ type: 'refresh.grace_retry' })).toHaveLength(1);
    // A second retry, still within the grace, is reuse: the family dies.
    await expectOAuthError(await refresh(t.refresh_token), 400, 'invalid_grant', 'the refresh token has already been used; its token family is revoked');
    for (const x of [second.access_token, second.refresh_token]) expect(await live(x)).toBe(false);
  });

  test('no retry once the successor was itself refreshed: the client moved on, so it is reuse', async () => {
    const t = await obtainTokens(env.s, 'mall1', env.app);
    const first = (await (await refresh(t.refresh_token)).json()) as TokenPair;
    const next = (await (await refresh(first.refresh_token)).json()) as TokenPair;
    env.s.clock.advance(1_000);
    await expectOAuthError(await refresh(t.refresh_token), 400, 'invalid_grant', 'the refresh token has already been used; its token family is revoked');
    expect(await live(next.refresh_token)).toBe(false);
  });

  test('past the grace it is reuse: invalid_grant and the family is revoked', async () => {
    const t = await obtainTokens(env.s, 'mall1', env.app);
    const first = (await (await refresh(t.refresh_token)).json()) as TokenPair;
    env.s.clock.advance(10_000);
    await expectOAuthError(await refresh(t.refresh_token), 400, 'invalid_grant', 'the refresh token has already been used; its token family is revoked');
    expect(await live(first.refresh_token)).toBe(false);
  });

  test('50 concurrent refreshes within the grace: the rotation and its one retry get 200, 48 invalid_grant, never 5xx; the family ends revoked', async () => {
    const t = await obtainTokens(env.s, 'mall1', env.app);
    const responses = await Promise.all(Array.from({ length: 50 }, () => refresh(t.refresh_token)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((x) => x === 200)).toHaveLength(2);
    expect(statuses.filter((x) => x === 400)).toHaveLength(48);
    for (const r of responses.filter((x) => x.status === 200)) expect(await live(((await r.json()) as TokenPair).refresh_token)).toBe(false);
  });
});

describe('SHOPAUTH_REFRESH_GRACE_SECONDS', () => {
  test('off by default; whole seconds from 0 to 300; anything else refuses to start', () => {
    expect(loadConfig({}, {}).lifetimes.refreshGraceMs).toBe(0);
    expect(loadConfig({}, { SHOPAUTH_REFRESH_GRACE_SECONDS: '10' }).lifetimes.refreshGraceMs).toBe(10_000);
    expect(loadConfig({}, { SHOPAUTH_REFRESH_GRACE_SECONDS: '300' }).lifetimes.refreshGraceMs).toBe(300_000);
    for (const bad of ['301', '-1', '1.5', 'ten', '1e2']) {
      expect(() => loadConfig({}, { SHOPAUTH_REFRESH_GRACE_SECONDS: bad })).toThrow('refresh grace must be 0 to 300 seconds');
    }
  });
});
