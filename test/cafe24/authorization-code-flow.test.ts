import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { authorizeCode, Browser, expectPageRefusal, readForm } from '../support/browser.js';
import { runCliJson } from '../support/cli.js';
import { basic } from '../support/fixtures.js';
import { expectApiRefusal, expectTokenError } from '../support/oauth.js';
import { startServer, type TestServer } from '../support/server.js';

/**
 * The whole Cafe24 flow of the seed document and wire.md, end to end: mall, operator and app made
 * with the CLI; the browser part over real HTTP with cookies; the code exchanged with Basic auth;
 * the store read; refresh rotation; revocation; expiry with a controllable clock.
 */
const REDIRECT = 'https://sampleapp.com/oauth/redirect';
const HOUR = 3600_000;
const DAY = 24 * HOUR;

let dir: string;
let s: TestServer;
let app: { client_id: string; client_secret: string };
let tokenUrl: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shopauth-e2e-'));
  const db = join(dir, 'shopauth.db');
  const mall = await runCliJson(['mall', 'create', 'samplemall', '--operator', 'test', '--password', 'pass-word-1', '--name', 'Sample Mall', '--db', db]);
  expect(mall).toEqual({ mall_id: 'samplemall', name: 'Sample Mall', timezone: 'Asia/Seoul', shop_no: 1, operator: 'test' });
  const sub = await runCliJson(['operator', 'add', 'samplemall', 'staff', '--password', 'pass-word-2', '--sub', '--db', db]);
  expect(sub).toEqual({ mall_id: 'samplemall', user_id: 'staff', user_type: 'A', name: 'staff' });
  app = await runCliJson(['app', 'create', '--name', 'Sample App', '--redirect-uri', REDIRECT, '--app-url', 'https://sampleapp.com',
    '--scopes', 'mall.read_application,mall.write_application,mall.read_store', '--db', db]);
  expect(app.client_id).toMatch(/^[A-Za-z0-9]{22}$/);
  expect(app.client_secret).toMatch(/^[A-Za-z0-9]{32}$/);
  s = await startServer({ db });
  tokenUrl = `${s.mallUrl('samplemall')}/api/v2/oauth/token`;
});

afterAll(async () => {
  await s?.close();
  rmSync(dir, { recursive: true, force: true });
});

const form = (params: Record<string, string>) => new URLSearchParams(params).toString();

/** POST the token endpoint exactly as wire.md shows: form body, Basic client authentication. */
function postToken(params: Record<string, string>, authorization: string | null = basic(app.client_id, app.client_secret)) {
  return fetch(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization ? { authorization } : {}) },
    body: form(params),
  });
}

const readStore = (token: string) =>
  fetch(`${s.mallUrl('samplemall')}/api/v2/admin/store`, { headers: { authorization: `Bearer ${token}` } });

const codeFor = (scope = 'mall.read_application,mall.write_application,mall.read_store', userId = 'test', password = 'pass-word-1') =>
  authorizeCode(s, { mallId: 'samplemall', clientId: app.client_id, redirectUri: REDIRECT, scope, state: 'state_t', userId, password });

describe('Cafe24 authorization code flow (wire.md)', () => {
  test('authorize -> login -> consent -> 302/303 to redirect_uri with code and state; the code is 22 alphanumerics', async () => {
    const browser = new Browser();
    const url = `${s.mallUrl('samplemall')}/api/v2/oauth/authorize?response_type=code&client_id=${app.client_id}&state=state_t&redirect_uri=${encodeURIComponent(REDIRECT)}&scope=mall.read_application,mall.write_application`;
    const login = await browser.get(url);
    expect(login.status).toBe(200);
    expect(login.headers.get('set-cookie')).toMatch(/^shopauth_sid=[A-Za-z0-9_-]{43}; Path=\/malls\/samplemall; HttpOnly; SameSite=Lax$/);
    const loginHtml = await login.text();
    expect(loginHtml).toContain('name="user_id"');
    expect(loginHtml).toContain('name="password"');
    expect(loginHtml).toContain('Sample App');
    const lf = readForm(loginHtml, url);

    // Without the CSRF token the form is refused and nothing happens.
    const forged = await browser.post(lf.action, { user_id: 'test', password: 'pass-word-1' });
    await expectPageRefusal(forged, 403, 'invalid_request: the form has expired or did not come from this site; go back and reload the page');

    const wrong = await browser.post(lf.action, { csrf_token: lf.csrf, user_id: 'test', password: 'nope-nope' });
    await expectPageRefusal(wrong, 401, 'The operator ID or password is wrong.');

    const sidBefore = browser.cookies.get('shopauth_sid');
    const loggedIn = await browser.post(lf.action, { csrf_token: lf.csrf, user_id: 'test', password: 'pass-word-1' });
    expect(loggedIn.status).toBe(303);
    expect(loggedIn.headers.get('location')).toBe(new URL(url).pathname + new URL(url).search);
    expect(browser.cookies.get('shopauth_sid')).not.toBe(sidBefore); // session id renewed at login

    const consent = await browser.get(url);
    expect(consent.status).toBe(200);
    const consentHtml = await consent.text();
    expect(consentHtml).toContain('Read apps');
    expect(consentHtml).toContain('Read and change apps');
    expect(consentHtml).toMatch(/name="decision" value="allow"/);
    expect(consentHtml).toMatch(/name="decision" value="deny"/);
    const cf = readForm(consentHtml, url);
    const done = await browser.post(cf.action, { csrf_token: cf.csrf, decision: 'allow' });
    expect(done.status).toBe(303);
    const location = new URL(done.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
    expect([...location.searchParams.keys()]).toEqual(['code', 'state', 'iss']);
    expect(location.searchParams.get('code')).toMatch(/^[A-Za-z0-9]{22}$/);
    expect(location.searchParams.get('state')).toBe('state_t');
    expect(location.searchParams.get('iss')).toBe(s.mallUrl('samplemall'));
  });

  test('code -> tokens with Basic auth: the Cafe24 fields in mall-local time plus RFC 6749 §5.1 fields; store read; refresh rotation; revoke', async () => {
    const code = await codeFor();
    const t0 = s.clock.now(); // 2026-03-01T03:00:00Z = 12:00 in Seoul
    const res = await postToken({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = (await res.json()) as Record<string, string>;
    expect(body).toEqual({
      access_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      expires_at: '2026-03-01T14:00:00.000',
      refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      refresh_token_expires_at: '2026-03-15T12:00:00.000',
      client_id: app.client_id,
      mall_id: 'samplemall',
      user_id: 'test',
      scopes: ['mall.read_application', 'mall.write_application', 'mall.read_store'],
      issued_at: '2026-03-01T12:00:00.000',
      shop_no: '1',
      token_type: 'Bearer',
      expires_in: 7200,
      scope: 'mall.read_application mall.write_application mall.read_store',
      refresh_token_expires_in: 1209600,
    });
    expect(s.clock.now()).toBe(t0);

    const store = await readStore(body.access_token!);
    expect(store.status).toBe(200);
    expect(await store.json()).toEqual({
      store: { shop_no: 1, shop_name: 'Sample Mall', mall_id: 'samplemall', timezone: 'Asia/Seoul', country_code: 'KR', currency_code: 'KRW', language_code: 'ko_KR' },
    });

    // Refresh an hour later: a new pair; the 2-week window restarts from now.
    s.clock.advance(HOUR);
    const refreshed = await postToken({ grant_type: 'refresh_token', refresh_token: body.refresh_token! });
    expect(refreshed.status).toBe(200);
    const next = (await refreshed.json()) as Record<string, string>;
    expect(next.issued_at).toBe('2026-03-01T13:00:00.000');
    expect(next.expires_at).toBe('2026-03-01T15:00:00.000');
    expect(next.refresh_token_expires_at).toBe('2026-03-15T13:00:00.000');
    expect(next.refresh_token).not.toBe(body.refresh_token);
    expect(next.access_token).not.toBe(body.access_token);
    expect((await readStore(next.access_token!)).status).toBe(200);

    // Revoke the access token (Cafe24 form: token_hint): 200, empty body; its refresh token dies too.
    const revoked = await fetch(`${s.mallUrl('samplemall')}/api/v2/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(app.client_id, app.client_secret) },
      body: form({ token: next.access_token!, token_hint: 'access_token' }),
    });
    expect(revoked.status).toBe(200);
    expect(await revoked.text()).toBe('');
    await expectApiRefusal(await readStore(next.access_token!), 401, 'the access token has been revoked');
    const deadRefresh = await postToken({ grant_type: 'refresh_token', refresh_token: next.refresh_token! });
    await expectTokenError(deadRefresh, 400, 'invalid_grant', 'the refresh token has been revoked');
  });

  test('client_id and client_secret in the body work as well as Basic (newer Cafe24 docs)', async () => {
    const code = await codeFor();
    const res = await postToken({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: app.client_id, client_secret: app.client_secret }, null);
    expect(res.status).toBe(200);
  });

  test('a rotated refresh token stops working at once, and presenting it revokes the whole family (RFC 9700 §4.14.2)', async () => {
    const first = (await (await postToken({ grant_type: 'authorization_code', code: await codeFor(), redirect_uri: REDIRECT })).json()) as Record<string, string>;
    const second = (await (await postToken({ grant_type: 'refresh_token', refresh_token: first.refresh_token! })).json()) as Record<string, string>;
    const replay = await postToken({ grant_type: 'refresh_token', refresh_token: first.refresh_token! });
    await expectTokenError(replay, 400, 'invalid_grant', 'the refresh token has already been used; its token family is revoked');
    await expectApiRefusal(await readStore(second.access_token!), 401, 'the access token has been revoked');
    await expectTokenError(await postToken({ grant_type: 'refresh_token', refresh_token: second.refresh_token! }), 400, 'invalid_grant', 'the refresh token has been revoked');
  });

  test('a replayed code gets invalid_grant and revokes every token issued from it (RFC 6749 §4.1.2)', async () => {
    const code = await codeFor();
    const first = (await (await postToken({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT })).json()) as Record<string, string>;
    expect((await readStore(first.access_token!)).status).toBe(200);
    const replay = await postToken({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
    await expectTokenError(replay, 400, 'invalid_grant', 'the authorization code has already been used');
    await expectApiRefusal(await readStore(first.access_token!), 401, 'the access token has been revoked');
    await expectTokenError(await postToken({ grant_type: 'refresh_token', refresh_token: first.refresh_token! }), 400, 'invalid_grant', 'the refresh token has been revoked');
  });
});

describe('expiry with a controllable clock (wire.md lifetimes)', () => {
  test('the code lives 60 seconds', async () => {
    const code = await codeFor();
    s.clock.advance(60_000);
    const res = await postToken({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
    await expectTokenError(res, 400, 'invalid_grant', 'the authorization code has expired');
  });

  test('a code used within 59 seconds works', async () => {
    const code = await codeFor();
    s.clock.advance(59_000);
    expect((await postToken({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT })).status).toBe(200);
  });

  test('the access token lives 2 hours', async () => {
    const t = (await (await postToken({ grant_type: 'authorization_code', code: await codeFor(), redirect_uri: REDIRECT })).json()) as Record<string, string>;
    s.clock.advance(2 * HOUR - 1);
    expect((await readStore(t.access_token!)).status).toBe(200);
    s.clock.advance(1);
    const expired = await readStore(t.access_token!);
    await expectApiRefusal(expired, 401, 'the access token has expired');
  });

  test('the refresh token lives 14 days from its issue', async () => {
    const t = (await (await postToken({ grant_type: 'authorization_code', code: await codeFor(), redirect_uri: REDIRECT })).json()) as Record<string, string>;
    s.clock.advance(14 * DAY);
    const res = await postToken({ grant_type: 'refresh_token', refresh_token: t.refresh_token! });
    await expectTokenError(res, 400, 'invalid_grant', 'the refresh token has expired');
  });
});
