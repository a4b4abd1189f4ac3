import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createApp } from '../../src/registry/registry.js';
import { Browser, expectPageHeaders, readForm } from '../support/browser.js';
import { addTestOperator, PASSWORD, REDIRECT_URI, seedApp, seedMall, seedMallQuick } from '../support/fixtures.js';
import { consentTokens, obtainTokens, type TestClient, type TokenPair } from '../support/oauth.js';
import { startServer, type TestServer } from '../support/server.js';

/**
 * The mall operator console and Cafe24's App URL launch (wire.md, "App URL launch"): operators
 * sign in with the authorization pages' login, see the apps installed in their mall, open one
 * (302 to its App URL with the launch parameters and an hmac keyed with the client secret), and
 * the representative operator removes one (its grant and tokens are revoked at once).
 * Every test gets a server of its own (arrange, below): its clock, login throttle, audit log and
 * log lines are the test's alone, so tests pass alone and in any order.
 */
let s: TestServer;
let app: TestClient;
let other: TestClient;
let legacy: TestClient;
let tokens: TokenPair;
let logs = '';

/**
 * The world of every test but the host form's: a server logging at debug level into `logs`, malls
 * mall1 and mall2 (mall2's representative `stranger` too), apps `app`, `other` and `legacy` (registered
 * before shopauth kept sealed secrets), `app` and `legacy` installed in mall1 by boss at T0.
 */
async function arrange() {
  logs = '';
  const log = new Writable({ write: (chunk: Buffer, _enc, done) => ((logs += chunk.toString()), done()) });
  s = await startServer({ log, config: { logLevel: 'debug' } });
  await seedMallQuick(s, 'mall1');
  await seedMallQuick(s, 'mall2');
  await addTestOperator(s, 'mall2', 'stranger', 'P', 'Stranger');
  app = await seedApp(s);
  other = await seedApp(s);
  // No sealer: no app_secrets row.
  const old = await createApp({ store: s.store, clock: s.clock, hasher: s.ctx.hasher }, {
    name: 'Old App', appUrl: 'https://old.example/', redirectUris: [REDIRECT_URI], scopes: ['mall.read_store'],
  });
  legacy = { clientId: old.app.clientId, clientSecret: old.clientSecret! };
  // The consent creates the grants: the apps are installed in mall1.
  tokens = await consentTokens(s, 'mall1', app);
  await consentTokens(s, 'mall1', legacy, { scopes: ['mall.read_store'] });
}

/** In each describe but the host form's, which starts a server of another configuration. */
function eachTestInItsOwnWorld() {
  beforeEach(arrange);
  afterEach(() => s?.close());
}

const consoleUrl = (mallId: string) => `${s.mallUrl(mallId)}/console`;
const launchUrl = (mallId: string, clientId: string, query = '') => `${consoleUrl(mallId)}/apps/${clientId}/launch${query}`;
const removeUrl = (mallId: string, clientId: string) => `${consoleUrl(mallId)}/apps/${clientId}/remove`;

/** The CSRF token of the console page (every form of it carries the same one). */
const csrfOf = (html: string) => /name="csrf_token" value="([^"]*)"/.exec(html)![1]!;

/**
 * Signs in to a mall's console; returns the browser and the apps page. The manual clock moves
 * 10 s first, so this suite's many logins from one address stay under the login throttle.
 */
async function signIn(mallId: string, userId: string) {
  s.clock.advance(10_000);
  const browser = new Browser();
  const login = await browser.get(consoleUrl(mallId));
  expect(login.status).toBe(200);
  const form = readForm(await login.text(), consoleUrl(mallId));
  expect(form.action).toBe(consoleUrl(mallId));
  const res = await browser.post(form.action, { csrf_token: form.csrf, user_id: userId, password: PASSWORD });
  expect(res.status).toBe(303);
  expect(new URL(res.headers.get('location')!, consoleUrl(mallId)).toString()).toBe(consoleUrl(mallId));
  const page = await browser.get(consoleUrl(mallId));
  expect(page.status).toBe(200);
  const html = await page.text();
  return { browser, page, html, csrf: csrfOf(html) };
}

const storeCall = (accessToken: string) => fetch(`${s.mallUrl('mall1')}/api/v2/admin/store`, { headers: { authorization: `Bearer ${accessToken}` } });

/** A remove of the app that must be refused: the status, a page saying why, and the app's token still working. */
async function expectRemoveRefused(browser: Browser, form: Record<string, string>, status: number, says: string) {
  const res = await browser.post(removeUrl('mall1', app.clientId), { ...form, confirm: 'yes' });
  expect(res.status).toBe(status);
  expectPageHeaders(res);
  expect(await res.text()).toContain(says);
  expect((await storeCall(tokens.access_token)).status).toBe(200);
}

/** The launch's Location split as an app sees it. */
function parseLaunch(location: string) {
  const q = location.indexOf('?');
  const query = location.slice(q + 1);
  return { appUrl: location.slice(0, q), query, params: [...new URLSearchParams(query)] };
}

/** wire.md: base64 of HMAC-SHA256 keyed with the client secret over the exact query string before `&hmac=`. */
const expectedHmac = (query: string, secret: string) => createHmac('sha256', secret).update(query.slice(0, query.indexOf('&hmac='))).digest('base64');

describe('signing in', () => {
  eachTestInItsOwnWorld();

  test('not signed in: the console, a launch and a remove show the login page (page security headers), and nothing changes', async () => {
    const browser = new Browser();
    for (const url of [consoleUrl('mall1'), launchUrl('mall1', app.clientId)]) {
      const res = await browser.get(url);
      expect(res.status).toBe(200);
      expectPageHeaders(res);
      const html = await res.text();
      expect(html).toContain('Sign in to Shop mall1');
      expect(html).toContain('name="password"');
      expect(res.headers.get('location')).toBeNull();
    }
    const csrf = csrfOf(await (await browser.get(consoleUrl('mall1'))).text());
    await expectRemoveRefused(browser, { csrf_token: csrf }, 401, 'Your session has ended');
  });

  test('a wrong password: 401 login page; the representative and a sub-operator sign in', async () => {
    const browser = new Browser();
    const form = readForm(await (await browser.get(consoleUrl('mall1'))).text(), consoleUrl('mall1'));
    const wrong = await browser.post(form.action, { csrf_token: form.csrf, user_id: 'boss', password: 'wrong password' });
    expect(wrong.status).toBe(401);
    expectPageHeaders(wrong);
    expect(await wrong.text()).toContain('The operator ID or password is wrong.');
    expect((await signIn('mall1', 'boss')).html).toContain('Signed in as Boss (boss), the representative operator.');
    expect((await signIn('mall1', 'helper')).html).toContain('Signed in as Helper (helper), a sub-operator');
    await s.ctx.audit.flush();
    const logins = await s.store.audit.list({ mallId: 'mall1', type: 'login.failed' });
    expect(logins[0]).toMatchObject({ userId: 'boss', clientId: null });
  });

  test('the login form is CSRF-protected: missing or wrong token is 403 and no session', async () => {
    const browser = new Browser();
    const form = readForm(await (await browser.get(consoleUrl('mall1'))).text(), consoleUrl('mall1'));
    for (const csrf of [undefined, 'x', form.csrf.slice(0, -1)]) {
      const res = await browser.post(form.action, { ...(csrf !== undefined ? { csrf_token: csrf } : {}), user_id: 'boss', password: PASSWORD });
      expect(res.status).toBe(403);
      expectPageHeaders(res);
      expect(res.headers.get('set-cookie')).toBeNull();
    }
    expect(await (await browser.get(consoleUrl('mall1'))).text()).toContain('name="password"');
  });

  test('signing in from a launch URL comes back to the launch (Post/Redirect/Get)', async () => {
    const browser = new Browser();
    const url = launchUrl('mall1', app.clientId, '?lang=ja_JP');
    const form = readForm(await (await browser.get(url)).text(), url);
    expect(form.action).toBe(url);
    const res = await browser.post(form.action, { csrf_token: form.csrf, user_id: 'boss', password: PASSWORD });
    expect(res.status).toBe(303);
    const back = await browser.get(new URL(res.headers.get('location')!, url).toString());
    expect(back.status).toBe(302);
    expect(new URL(back.headers.get('location')!).searchParams.get('lang')).toBe('ja_JP');
  });

  test("another mall's operator cannot see this mall's console", async () => {
    const { browser, html } = await signIn('mall2', 'stranger');
    expect(html).toContain('No apps are installed in this shop.');
    expect(html).not.toContain(app.clientId);
    // The mall2 session is not a mall1 session (the Browser sends every cookie everywhere).
    const res = await browser.get(consoleUrl('mall1'));
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('name="password"');
    expect(page).not.toContain(app.clientId);
    expect((await browser.get(launchUrl('mall1', app.clientId))).status).toBe(200); // the login page, no launch
    // And mall2's operator cannot sign in to mall1.
    const form = readForm(page, consoleUrl('mall1'));
    const login = await browser.post(form.action, { csrf_token: form.csrf, user_id: 'stranger', password: PASSWORD });
    expect(login.status).toBe(401);
  });

  test('sign out: CSRF-protected POST, 303 to the console, then the login page', async () => {
    const { browser, csrf } = await signIn('mall1', 'boss');
    const refused = await browser.post(`${consoleUrl('mall1')}/logout`, { csrf_token: 'x' });
    expect(refused.status).toBe(403);
    expect(await (await browser.get(consoleUrl('mall1'))).text()).toContain('Apps in Shop mall1');
    const sid = browser.cookies.get('shopauth_sid')!;
    const out = await browser.post(`${consoleUrl('mall1')}/logout`, { csrf_token: csrf });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/malls/mall1/console');
    expect(out.headers.get('set-cookie')).toMatch(/^shopauth_sid=;.*Path=\/malls\/mall1/);
    expect(await (await browser.get(consoleUrl('mall1'))).text()).toContain('name="password"');
    // The old session id is dead even if a copy of the cookie is presented again.
    const replay = new Browser();
    replay.cookies.set('shopauth_sid', sid);
    expect(await (await replay.get(consoleUrl('mall1'))).text()).toContain('name="password"');
  });
});

describe('the installed apps', () => {
  eachTestInItsOwnWorld();

  test('the representative sees each installed app: name, scopes in words, who consented and when, Open and Remove', async () => {
    const { page, html } = await signIn('mall1', 'boss');
    expectPageHeaders(page);
    expect(html).toContain(`<h2 id="app-${app.clientId}">Test App</h2>`);
    expect(html).toContain(`<code>${app.clientId}</code>`);
    // 03:00 UTC is 12:00 in the mall's time zone (Asia/Seoul).
    expect(html).toContain('Allowed by Boss (boss) on 2026-03-01 12:00 (Asia/Seoul); it may:');
    expect(html).toContain('<li>Read store settings <code>mall.read_store</code></li>');
    expect(html).toContain('<li>Read products <code>mall.read_product</code></li>');
    expect(html).toContain(`<a class="button primary" href="/malls/mall1/console/apps/${app.clientId}/launch">Open</a>`);
    expect(html).toContain(`<form method="post" action="/malls/mall1/console/apps/${app.clientId}/remove">`);
    // Not installed here: no grant in mall1.
    expect(html).not.toContain(other.clientId);
    // Registered before sealed secrets were kept: listed, but not launchable.
    expect(html).toContain(`<h2 id="app-${legacy.clientId}">Old App</h2>`);
    expect(html).toContain('launch unavailable: re-register the app');
    expect(html).not.toContain(`/apps/${legacy.clientId}/launch`);
    expect(html).toContain('Sign out');
  });

  test('everything on the page is escaped', async () => {
    const weird = await createApp({ store: s.store, clock: s.clock, hasher: s.ctx.hasher, secretSealer: s.ctx.secretSealer }, {
      name: '<script>alert("x")</script>', appUrl: 'https://weird.example/', redirectUris: [REDIRECT_URI], scopes: ['mall.read_store'],
    });
    await s.store.grants.upsert({ grantId: 'weird-grant', mallId: 'mall2', clientId: weird.app.clientId, userId: 'stranger', scopes: ['mall.read_store'], updatedAt: s.clock.now() });
    const { html } = await signIn('mall2', 'stranger');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;');
  });
});

describe('App URL launch (wire.md)', () => {
  eachTestInItsOwnWorld();

  test('Open: 302 to the App URL with exactly the parameters, alphabetical, hmac last, keyed with the client secret', async () => {
    const { browser } = await signIn('mall1', 'boss');
    const res = await browser.get(launchUrl('mall1', app.clientId));
    expect(res.status).toBe(302);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const location = res.headers.get('location')!;
    const { appUrl, query, params } = parseLaunch(location);
    expect(appUrl).toBe('https://app.example/');
    expect(params).toEqual([
      ['is_multi_shop', 'F'],
      ['lang', 'ko_KR'],
      ['mall_id', 'mall1'],
      ['nation', 'KR'],
      ['shop_no', '1'],
      ['timestamp', String(Math.floor(s.clock.now() / 1000))],
      ['user_id', 'boss'],
      ['user_name', 'Boss'],
      ['user_type', 'P'],
      ['hmac', expectedHmac(query, app.clientSecret)],
    ]);
    expect(query.indexOf('&hmac=')).toBe(query.lastIndexOf('&'));
    // The hmac covers every parameter: under the same secret, a query with one value changed has another hmac.
    const forged = query.replace('user_id=boss', 'user_id=helper');
    expect(forged).not.toBe(query);
    expect(expectedHmac(forged, app.clientSecret)).not.toBe(new URLSearchParams(query).get('hmac'));
    // The launch is in the audit log, with who and from where, never the secret.
    await s.ctx.audit.flush();
    const [event] = await s.store.audit.list({ mallId: 'mall1', type: 'app.launched', limit: 1 });
    expect(event).toMatchObject({ type: 'app.launched', clientId: app.clientId, userId: 'boss', ip: '127.0.0.1', traceId: res.headers.get('x-trace-id'), detail: { lang: 'ko_KR' } });
    expect(JSON.stringify(event)).not.toContain(app.clientSecret);
  });

  test('timestamp is the current time in unix seconds; lang from the query when allowed, else ko_KR', async () => {
    const { browser } = await signIn('mall1', 'boss');
    s.clock.advance(90_500);
    try {
      for (const [lang, expected] of [['en_US', 'en_US'], ['zh_TW', 'zh_TW'], ['es_ES', 'es_ES'], ['fr_FR', 'ko_KR'], ['', 'ko_KR']]) {
        const res = await browser.get(launchUrl('mall1', app.clientId, `?lang=${lang}`));
        expect(res.status).toBe(302);
        const { query } = parseLaunch(res.headers.get('location')!);
        const p = new URLSearchParams(query);
        expect(p.get('lang')).toBe(expected);
        expect(p.get('timestamp')).toBe(String(Math.floor(s.clock.now() / 1000)));
        expect(p.get('hmac')).toBe(expectedHmac(query, app.clientSecret));
      }
    } finally {
      s.clock.advance(-90_500);
    }
  });

  test('a sub-operator can open apps (user_type A) but gets 403 on remove, and nothing changes', async () => {
    const { browser, html, csrf } = await signIn('mall1', 'helper');
    expect(html).toContain(`/malls/mall1/console/apps/${app.clientId}/launch`);
    expect(html).not.toContain('/remove');
    const res = await browser.get(launchUrl('mall1', app.clientId));
    expect(res.status).toBe(302);
    const { query, params } = parseLaunch(res.headers.get('location')!);
    expect(Object.fromEntries(params)).toMatchObject({ user_id: 'helper', user_name: 'Helper', user_type: 'A', hmac: expectedHmac(query, app.clientSecret) });
    await expectRemoveRefused(browser, { csrf_token: csrf }, 403, 'only the representative operator can remove apps');
  });

  test('an app without a live grant in the mall: 404 page', async () => {
    const { browser } = await signIn('mall1', 'boss');
    for (const clientId of [other.clientId, 'no-such-app']) {
      const res = await browser.get(launchUrl('mall1', clientId));
      expect(res.status).toBe(404);
      expectPageHeaders(res);
      expect(await res.text()).toContain('the app is not installed in this mall');
    }
    // Installed in mall1, not in mall2.
    const { browser: b2 } = await signIn('mall2', 'stranger');
    expect((await b2.get(launchUrl('mall2', app.clientId))).status).toBe(404);
  });

  test('an app registered before sealed secrets were kept: a clear error page', async () => {
    const { browser } = await signIn('mall1', 'boss');
    const res = await browser.get(launchUrl('mall1', legacy.clientId));
    expect(res.status).toBe(409);
    expectPageHeaders(res);
    expect(await res.text()).toContain('launch unavailable: re-register the app');
  });
});

describe('Remove', () => {
  eachTestInItsOwnWorld();

  test('CSRF missing, wrong or of another session: 403 and nothing changes', async () => {
    const { browser } = await signIn('mall1', 'boss');
    const { csrf: foreign } = await signIn('mall1', 'boss');
    for (const csrf of [undefined, 'x', foreign]) {
      await expectRemoveRefused(browser, csrf !== undefined ? { csrf_token: csrf } : {}, 403, 'did not come from this site');
    }
    expect(await (await browser.get(consoleUrl('mall1'))).text()).toContain(`<code>${app.clientId}</code>`);
  });

  test('remove asks first: a confirmation page (the same form with confirm=yes), and nothing changes until it is sent', async () => {
    const { browser, csrf } = await signIn('mall1', 'boss');
    const ask = await browser.post(removeUrl('mall1', app.clientId), { csrf_token: csrf });
    expect(ask.status).toBe(200);
    expectPageHeaders(ask);
    const html = await ask.text();
    expect(html).toContain('Remove Test App from Shop mall1? Its access ends at once');
    expect(html).toContain(`<form method="post" action="/malls/mall1/console/apps/${app.clientId}/remove">`);
    expect(html).toContain('<input type="hidden" name="confirm" value="yes">');
    expect((await storeCall(tokens.access_token)).status).toBe(200);
  });

  test('remove: 303 back; the token gets 403 "the app is no longer installed in this mall"; the app leaves the list; audited', async () => {
    const { browser, csrf } = await signIn('mall1', 'boss');
    expect((await storeCall(tokens.access_token)).status).toBe(200);
    const res = await browser.post(removeUrl('mall1', app.clientId), { csrf_token: csrf, confirm: 'yes' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/malls/mall1/console');
    const api = await storeCall(tokens.access_token);
    expect(api.status).toBe(403);
    expect(((await api.json()) as { error: { message: string } }).error.message).toBe('the app is no longer installed in this mall');
    const html = await (await browser.get(consoleUrl('mall1'))).text();
    expect(html).not.toContain(`<code>${app.clientId}</code>`);
    expect(html).toContain(`<h2 id="app-${legacy.clientId}">Old App</h2>`);
    expect((await browser.get(launchUrl('mall1', app.clientId))).status).toBe(404);
    // Removing again: the app is no longer installed.
    expect((await browser.post(removeUrl('mall1', app.clientId), { csrf_token: csrf, confirm: 'yes' })).status).toBe(404);
    await s.ctx.audit.flush();
    const [event] = await s.store.audit.list({ mallId: 'mall1', type: 'grant.revoked' });
    expect(event).toMatchObject({ clientId: app.clientId, userId: 'boss', traceId: res.headers.get('x-trace-id'), detail: { by: 'boss' } });
    // A new consent installs it again, and it can be opened again.
    await obtainTokens(s, 'mall1', app);
    expect((await browser.get(launchUrl('mall1', app.clientId))).status).toBe(302);
  });
});

describe('secrets', () => {
  eachTestInItsOwnWorld();

  test('the client secret is stored sealed (not in any row) and never logged', async () => {
    // What carries a secret: a login (the password), a launch (the hmac keyed with the client secret), an API call (the token).
    const { browser } = await signIn('mall1', 'boss');
    expect((await browser.get(launchUrl('mall1', app.clientId))).status).toBe(302);
    expect((await storeCall(tokens.access_token)).status).toBe(200);
    const row = await s.store.appSecrets.get(app.clientId);
    expect(row?.sealedSecret).toMatch(/^v1\./);
    expect(row?.sealedSecret).not.toContain(app.clientSecret);
    expect(s.ctx.secretSealer.open(app.clientId, row!.sealedSecret)).toBe(app.clientSecret);
    expect(() => s.ctx.secretSealer.open(other.clientId, row!.sealedSecret)).toThrow('cannot be unsealed');
    expect(await s.store.appSecrets.get(legacy.clientId)).toBeUndefined();
    expect(logs).toContain('"trace_id"');
    for (const secret of [app.clientSecret, legacy.clientSecret, tokens.access_token, PASSWORD]) expect(logs).not.toContain(secret);
  });
});

describe('host form {mall_id}.{mall domain}', () => {
  test('the console and the launch answer at /console on the mall host', async () => {
    const hs = await startServer({ config: { mallDomain: 'shops.test' } });
    try {
      await seedMall(hs, 'hostmall');
      const client = await seedApp(hs);
      await obtainTokens(hs, 'hostmall', client);
      // fetch forbids setting Host; node:http does not.
      let cookie = '';
      const send = (method: string, path: string, form?: Record<string, string>) =>
        new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
          const body = form ? new URLSearchParams(form).toString() : undefined;
          const req = httpRequest(
            { host: '127.0.0.1', port: new URL(hs.url).port, method, path, headers: { host: 'hostmall.shops.test', cookie, ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) } },
            (res) => {
              const set = res.headers['set-cookie']?.[0];
              if (set) cookie = set.split(';')[0]!;
              let text = '';
              res.on('data', (d: Buffer) => (text += d.toString()));
              res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
            },
          );
          req.on('error', reject);
          req.end(body);
        });
      const login = await send('GET', '/console');
      expect(login.status).toBe(200);
      expect(login.body).toContain('<form method="post" action="/console">');
      expect(login.headers['set-cookie']?.[0]).toContain('Path=/;');
      const signedIn = await send('POST', '/console', { csrf_token: csrfOf(login.body), user_id: 'boss', password: PASSWORD });
      expect(signedIn.status).toBe(303);
      const page = await send('GET', '/console');
      expect(page.body).toContain(`href="/console/apps/${client.clientId}/launch"`);
      const launch = await send('GET', `/console/apps/${client.clientId}/launch`);
      expect(launch.status).toBe(302);
      const { query } = parseLaunch(launch.headers.location as string);
      expect(new URLSearchParams(query).get('mall_id')).toBe('hostmall');
      expect(new URLSearchParams(query).get('hmac')).toBe(expectedHmac(query, client.clientSecret));
    } finally {
      await hs.close();
    }
  });
});
