import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { registerApp, signUp } from '../../src/developer-center/developers.js';
import { openStore } from '../../src/store/kysely/store.js';
import { Browser, CSRF_REFUSED, expectLoginThrottled, expectPageHeaders, expectPageRefusal } from '../support/browser.js';
import { runCli, runCliJson } from '../support/cli.js';
import { REDIRECT_URI, seedMall } from '../support/fixtures.js';
import { expectOAuthError, isActive, obtainTokens, postForm } from '../support/oauth.js';
import { startServer, type TestServer } from '../support/server.js';

/**
 * The developer center over plain HTTP (issue 11): the page rules every page keeps (headers,
 * CSRF, language), and the CLI side (`developer create`, `developer admin`, `app create --developer`).
 */
let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s?.close());

const csrfOf = (html: string) => /name="csrf_token" value="([^"]*)"/.exec(html)![1]!;

describe('pages', () => {
  test('the login page: security headers, a CSP allowing only the hashed assets, and the assets served with a long cache', async () => {
    const res = await fetch(`${s.url}/developers`);
    expect(res.status).toBe(200);
    expectPageHeaders(res);
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'none'; base-uri 'none'; frame-ancestors 'none'");
    const html = await res.text();
    const css = /<link rel="stylesheet" href="(\/assets\/shopauth\.[0-9a-f]{12}\.css)">/.exec(html)![1]!;
    const js = /<script src="(\/assets\/shopauth\.[0-9a-f]{12}\.js)" defer><\/script>/.exec(html)![1]!;
    expect(html).not.toMatch(/<style|style="|<script>/);
    const sheet = await fetch(`${s.url}${css}`);
    expect(sheet.status).toBe(200);
    expect(sheet.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(sheet.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${s.url}${js}`)).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  });

  test('the language: Accept-Language picks Korean; the switch sets a cookie that wins; the way back never leaves the site', async () => {
    const ko = await (await fetch(`${s.url}/developers`, { headers: { 'accept-language': 'fr;q=1, ko-KR;q=0.8, en;q=0.5' } })).text();
    expect(ko).toContain('<html lang="ko">');
    expect(ko).toContain('<h1>개발자 센터 로그인</h1>');
    const en = await (await fetch(`${s.url}/developers`, { headers: { 'accept-language': 'de' } })).text();
    expect(en).toContain('<h1>Sign in to the developer center</h1>');
    const browser = new Browser();
    const sw = await browser.get(`${s.url}/ui/lang/ko?back=${encodeURIComponent('/malls/x/console?a=1')}`);
    expect(sw.status).toBe(303);
    expect(sw.headers.get('location')).toBe('/malls/x/console?a=1');
    expect(sw.headers.getSetCookie()[0]).toMatch(/^shopauth_lang=ko; Max-Age=31536000; Path=\/; SameSite=Lax$/);
    const remembered = await browser.request(`${s.url}/developers`, { headers: { 'accept-language': 'en' } });
    expect(await remembered.text()).toContain('<html lang="ko">');
    for (const back of ['//evil.example/', 'https://evil.example/', '/\\evil.example']) {
      const r = await fetch(`${s.url}/ui/lang/en?back=${encodeURIComponent(back)}`, { redirect: 'manual' });
      expect(r.headers.get('location')).toBe('/developers');
    }
  });

  test('sign-up and login forms are CSRF-protected: 403 and no account', async () => {
    const browser = new Browser();
    await browser.get(`${s.url}/developers/signup`);
    const res = await browser.post(`${s.url}/developers/signup`, { email: 'x@example.com', name: 'X', password: 'long enough 1', csrf_token: 'forged' });
    await expectPageRefusal(res, 403, CSRF_REFUSED);
    expect(await s.store.developers.byEmail('x@example.com')).toBeUndefined();
  });

  test('sign up, then the same email again: 400 saying so; wrong password: 401; the session cookie is HttpOnly, path /developers', async () => {
    const browser = new Browser();
    const form = await (await browser.get(`${s.url}/developers/signup`)).text();
    const made = await browser.post(`${s.url}/developers/signup`, { email: 'Ann@Example.com', name: 'Ann', password: 'long enough 1', csrf_token: csrfOf(form) });
    expect(made.status).toBe(303);
    expect(made.headers.get('location')).toBe('/developers');
    expect(made.headers.getSetCookie().find((c) => c.startsWith('shopauth_dev='))).toMatch(/; Path=\/developers; HttpOnly; SameSite=Lax$/);
    expect((await s.store.developers.byEmail('ann@example.com'))?.name).toBe('Ann');
    const again = new Browser();
    const f2 = await (await again.get(`${s.url}/developers/signup`)).text();
    const dup = await again.post(`${s.url}/developers/signup`, { email: 'ann@example.com', name: 'A', password: 'long enough 2', csrf_token: csrfOf(f2) });
    await expectPageRefusal(dup, 400, 'An account with this email exists.');
    const f3 = await (await again.get(`${s.url}/developers`)).text();
    const wrong = await again.post(`${s.url}/developers/login`, { email: 'ann@example.com', password: 'not it at all', csrf_token: csrfOf(f3) });
    await expectPageRefusal(wrong, 401, 'The email or password is wrong.');
  });
});

test('developer logins are throttled like operator logins: 5 per account at once, then 429 with Retry-After, even with the right password', async () => {
  const browser = new Browser();
  const form = await (await browser.get(`${s.url}/developers/signup`)).text();
  await browser.post(`${s.url}/developers/signup`, { email: 'guess@example.com', name: 'G', password: 'right password 1', csrf_token: csrfOf(form) });
  const attacker = new Browser();
  const csrf = csrfOf(await (await attacker.get(`${s.url}/developers`)).text());
  for (let i = 0; i < 5; i++) await expectPageRefusal(await attacker.post(`${s.url}/developers/login`, { email: 'GUESS@example.com', password: `wrong ${i}`, csrf_token: csrf }), 401, 'The email or password is wrong.');
  const throttled = await attacker.post(`${s.url}/developers/login`, { email: 'guess@example.com', password: 'right password 1', csrf_token: csrf });
  await expectLoginThrottled(throttled, 60);
  s.clock.advance(60_000);
  expect((await attacker.post(`${s.url}/developers/login`, { email: 'guess@example.com', password: 'right password 1', csrf_token: csrf })).status).toBe(303);
  await s.ctx.audit.flush();
  expect((await s.store.audit.list({ type: 'login.throttled' })).some((e) => e.userId === 'guess@example.com')).toBe(true);
});

describe('CLI', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'shopauth-dev-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('developer create, developer admin, app create --developer: the app is the developer’s; an unknown developer is refused', async () => {
    const db = join(dir, 'dev.db');
    expect(await runCliJson(['developer', 'create', 'Lee@Example.com', '--password', 'long enough 1', '--name', 'Lee', '--db', db])).toMatchObject({ email: 'lee@example.com', name: 'Lee', platform_admin: false });
    expect(await runCliJson(['developer', 'admin', 'lee@example.com', '--db', db])).toEqual({ email: 'lee@example.com', platform_admin: true });
    const app = await runCliJson<{ client_id: string; developer: string }>(['app', 'create', '--name', 'Owned', '--redirect-uri', 'https://o.example/cb', '--app-url', 'https://o.example/', '--scopes', 'mall.read_store', '--developer', 'LEE@example.com', '--db', db]);
    expect(app.developer).toBe('lee@example.com');
    const unknown = await runCli(['app', 'create', '--name', 'X', '--redirect-uri', 'https://o.example/cb', '--app-url', 'https://o.example/', '--scopes', 'mall.read_store', '--developer', 'nobody@example.com', '--db', db]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('shopauth: no developer nobody@example.com\n');
    const store = await openStore(db);
    try {
      const lee = (await store.developers.byEmail('lee@example.com'))!;
      expect(lee.platformAdmin).toBe(true);
      expect(await store.developers.appsOf(lee.developerId)).toEqual([app.client_id]);
      expect(await store.developers.unowned()).toEqual([]);
    } finally {
      await store.close();
    }
  });
});

describe('deleting an app', () => {
  test('revokes its tokens: the API refuses them (403, uninstalled: wire.md), both tokens are revoked, the app no longer authenticates', async () => {
    await seedMall(s, 'delmall');
    const deps = { store: s.store, clock: s.clock, hasher: s.ctx.hasher, secretSealer: s.ctx.secretSealer };
    const email = 'gone@example.com';
    const dev = await signUp(deps, { email, name: 'Gone', password: 'long enough 1' });
    const created = await registerApp(s.ctx, dev, { name: 'Doomed', appUrl: 'https://app.example/', redirectUris: [REDIRECT_URI], scopes: ['mall.read_store'], public: false }, { ip: '127.0.0.1', traceId: 'test' });
    const client = { clientId: created.app.clientId, clientSecret: created.clientSecret! };
    const tokens = await obtainTokens(s, 'delmall', client, { scope: 'mall.read_store' });
    const store = () => fetch(`${s.mallUrl('delmall')}/api/v2/admin/store`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect((await store()).status).toBe(200);
    expect(await isActive(s, client, tokens.access_token, 'delmall')).toBe(true);

    const browser = new Browser();
    const login = await browser.post(`${s.url}/developers/login`, { csrf_token: csrfOf(await (await browser.get(`${s.url}/developers`)).text()), email, password: 'long enough 1' });
    expect(login.status).toBe(303);
    const confirm = await browser.post(`${s.url}/developers/apps/${client.clientId}/delete`, { csrf_token: csrfOf(await (await browser.get(`${s.url}/developers`)).text()) });
    expect(confirm.status).toBe(200);
    const removed = await browser.post(`${s.url}/developers/apps/${client.clientId}/delete`, { csrf_token: csrfOf(await confirm.text()), confirm: 'yes' });
    expect(removed.status).toBe(303);

    const refused = await store();
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: { code: 403, message: 'the app is no longer installed in this mall', more_info: {}, trace_id: refused.headers.get('x-trace-id') } });
    for (const t of [tokens.access_token, tokens.refresh_token]) expect((await s.ctx.hasher.lookup(t, (h) => s.store.tokens.get(h)))?.found.revokedAt).toBe(s.clock.now());
    await expectOAuthError(await postForm(s, 'delmall', 'token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, client), 401, 'invalid_client');
    // Introspection needs the app's own credentials (RFC 7662 §2.1), which no longer authenticate.
    await expectOAuthError(await postForm(s, 'delmall', 'introspect', { token: tokens.access_token }, client), 401, 'invalid_client');
  });
});
