import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { authorize, authorizeUrl, Browser, CSRF_REFUSED, expectPageHeaders, expectPageRefusal, readForm, WRONG_LOGIN } from '../support/browser.js';
import { PASSWORD, REDIRECT_URI, seedApp, seedMall } from '../support/fixtures.js';
import { getAuthorize, type TestClient } from '../support/oauth.js';
import { startServer, type TestServer } from '../support/server.js';

/**
 * The browser side of RFC 9700: CSRF on every form (§4.7 for the AS's own forms), session
 * renewal at login (fixation), anti-framing (§4.16), no Referer leak, no caching, secure
 * cookies behind a trusted TLS proxy, and RFC 9207 iss on every authorization response.
 */
let s: TestServer;
let app: TestClient;

beforeAll(async () => {
  s = await startServer();
  await seedMall(s, 'mall1');
  app = await seedApp(s);
});
afterAll(() => s?.close());

/** Signs in; returns the browser, the consent page's URL and form. */
async function signIn(browser = new Browser()) {
  const url = authorizeUrl(s, { mallId: 'mall1', clientId: app.clientId });
  const login = await browser.get(url);
  const lf = readForm(await login.text(), url);
  const res = await browser.post(lf.action, { csrf_token: lf.csrf, user_id: 'boss', password: PASSWORD });
  expect(res.status).toBe(303);
  return { browser, url, loginCsrf: lf.csrf };
}

describe('page security headers (RFC 9700 §4.16)', () => {
  test('login, consent, failed login and error pages: CSP frame-ancestors none, X-Frame-Options DENY, no-referrer, no-store', async () => {
    const browser = new Browser();
    const url = authorizeUrl(s, { mallId: 'mall1', clientId: app.clientId });
    const login = await browser.get(url);
    expect(login.status).toBe(200);
    expectPageHeaders(login);
    const lf = readForm(await login.text(), url);
    const failed = await browser.post(lf.action, { csrf_token: lf.csrf, user_id: 'boss', password: 'wrong-password' });
    await expectPageRefusal(failed, 401, WRONG_LOGIN);
    await browser.post(lf.action, { csrf_token: lf.csrf, user_id: 'boss', password: PASSWORD });
    const consent = await browser.get(url);
    expect(consent.status).toBe(200);
    expect(await consent.text()).toContain('decision');
    expectPageHeaders(consent);
    const error = await getAuthorize(s, 'mall1', { response_type: 'code', client_id: 'nope', redirect_uri: REDIRECT_URI, scope: 'mall.read_store' });
    await expectPageRefusal(error, 400, 'invalid_request: client_id does not name a registered app');
  });

  test('authorization redirects carry Referrer-Policy no-referrer and no-store', async () => {
    const res = await getAuthorize(s, 'mall1', { response_type: 'token', client_id: app.clientId, redirect_uri: REDIRECT_URI, scope: 'mall.read_store' });
    expect(res.status).toBe(302);
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
});

describe('CSRF on every form', () => {
  test('login form: no token, a wrong token, or a token of another session: 403 and no session', async () => {
    const browser = new Browser();
    const url = authorizeUrl(s, { mallId: 'mall1', clientId: app.clientId });
    const lf = readForm(await (await browser.get(url)).text(), url);
    const stranger = new Browser();
    const strangerForm = readForm(await (await stranger.get(url)).text(), url);
    for (const csrf of [undefined, 'x', strangerForm.csrf, lf.csrf.slice(0, -1)]) {
      const res = await browser.post(lf.action, { ...(csrf !== undefined ? { csrf_token: csrf } : {}), user_id: 'boss', password: PASSWORD });
      expect(res.headers.get('set-cookie')).toBeNull();
      await expectPageRefusal(res, 403, CSRF_REFUSED);
    }
    // The consent page is still the login page: nobody signed in.
    expect(await (await browser.get(url)).text()).toContain('name="password"');
  });

  test('a cross-site POST without the cookie is refused even with a valid-looking token', async () => {
    const { url, browser } = await signIn();
    const cf = readForm(await (await browser.get(url)).text(), url);
    const res = await fetch(cf.action, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf_token: cf.csrf, decision: 'allow' }).toString() });
    await expectPageRefusal(res, 403, CSRF_REFUSED);
  });

  test('consent form: no token, or the pre-login token (the session id changed): 403, no code issued', async () => {
    const { browser, url, loginCsrf } = await signIn();
    const cf = readForm(await (await browser.get(url)).text(), url);
    expect(cf.csrf).not.toBe(loginCsrf);
    for (const csrf of [undefined, loginCsrf]) {
      const res = await browser.post(cf.action, { ...(csrf !== undefined ? { csrf_token: csrf } : {}), decision: 'allow' });
      expect(res.headers.get('location')).toBeNull();
      await expectPageRefusal(res, 403, CSRF_REFUSED);
    }
    const ok = await browser.post(cf.action, { csrf_token: cf.csrf, decision: 'allow' });
    expect(ok.status).toBe(303);
    expect(new URL(ok.headers.get('location')!).searchParams.get('code')).toMatch(/^[A-Za-z0-9]{22}$/);
  });
});

describe('session', () => {
  test('the session id is renewed at login and the old id is not signed in', async () => {
    const browser = new Browser();
    const url = authorizeUrl(s, { mallId: 'mall1', clientId: app.clientId });
    const lf = readForm(await (await browser.get(url)).text(), url);
    const before = browser.cookies.get('shopauth_sid')!;
    await browser.post(lf.action, { csrf_token: lf.csrf, user_id: 'boss', password: PASSWORD });
    const after = browser.cookies.get('shopauth_sid')!;
    expect(after).not.toBe(before);
    // An attacker who planted `before` (fixation) is not signed in with it.
    const attacker = new Browser();
    attacker.cookies.set('shopauth_sid', before);
    expect(await (await attacker.get(url)).text()).toContain('name="password"');
    // The ids are stored only as keyed hashes.
    const rows = await s.store.db.selectFrom('sessions').select('session_hash').execute();
    expect(rows.map((r) => r.session_hash)).not.toContain(after);
    expect(rows.map((r) => r.session_hash)).toContain(s.ctx.hasher.hash(after, 'session'));
  });

  test('cookies: HttpOnly, SameSite=Lax, path of the mall; not Secure over plain http', async () => {
    const res = await new Browser().get(authorizeUrl(s, { mallId: 'mall1', clientId: app.clientId }));
    expect(res.headers.get('set-cookie')).toMatch(/^shopauth_sid=[A-Za-z0-9_-]{43}; Path=\/malls\/mall1; HttpOnly; SameSite=Lax$/);
  });

  test('behind a trusted proxy that says https (X-Forwarded-Proto), the cookies are Secure; an untrusted one is ignored', async () => {
    const proxied = await startServer({ config: { trustProxy: { hops: 1 } } });
    try {
      await seedMall(proxied, 'mall1');
      const a = await seedApp(proxied);
      const headers = { 'x-forwarded-proto': 'https' };
      const url = authorizeUrl(proxied, { mallId: 'mall1', clientId: a.clientId });
      const browser = new Browser();
      const login = await browser.request(url, { headers });
      expect(login.headers.get('set-cookie')).toMatch(/; Secure; SameSite=Lax$/);
      const lf = readForm(await login.text(), url);
      const signedIn = await browser.request(lf.action, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf_token: lf.csrf, user_id: 'boss', password: PASSWORD }).toString(),
      });
      expect(signedIn.status).toBe(303);
      expect(signedIn.headers.get('set-cookie')).toMatch(/; Secure; SameSite=Lax$/);
    } finally {
      await proxied.close();
    }
    const direct = await new Browser().request(authorizeUrl(s, { mallId: 'mall1', clientId: app.clientId }), { headers: { 'x-forwarded-proto': 'https' } });
    expect(direct.headers.get('set-cookie')).not.toContain('Secure');
  });
});

describe('RFC 9207: iss in every authorization response', () => {
  const iss = () => s.mallUrl('mall1');

  test('success (code), operator denial, sub-operator refusal, and each redirected validation error', async () => {
    const ok = await authorize(s, { mallId: 'mall1', clientId: app.clientId });
    expect(ok.searchParams.get('iss')).toBe(iss());
    expect(ok.searchParams.get('code')).not.toBeNull();
    const denied = await authorize(s, { mallId: 'mall1', clientId: app.clientId, decision: 'deny' });
    expect(Object.fromEntries(denied.searchParams)).toMatchObject({ error: 'access_denied', state: 'state-123', iss: iss() });
    const sub = await authorize(s, { mallId: 'mall1', clientId: app.clientId, userId: 'helper' });
    expect(Object.fromEntries(sub.searchParams)).toMatchObject({ error: 'access_denied', iss: iss() });
    const base = { client_id: app.clientId, redirect_uri: REDIRECT_URI, state: 's1' };
    for (const [query, error] of [
      [{ ...base, response_type: 'token', scope: 'mall.read_store' }, 'unsupported_response_type'],
      [{ ...base, response_type: 'code' }, 'invalid_request'],
      [{ ...base, response_type: 'code', scope: 'mall.write_order' }, 'invalid_scope'],
      [{ ...base, response_type: 'code', scope: 'mall.read_store', code_challenge: 'x', code_challenge_method: 'S256' }, 'invalid_request'],
    ] as const) {
      const res = await getAuthorize(s, 'mall1', query);
      expect(res.status).toBe(302);
      const loc = new URL(res.headers.get('location')!);
      expect(Object.fromEntries(loc.searchParams)).toMatchObject({ error, state: 's1', iss: iss() });
    }
  });

  test('a registered redirect URI with its own query keeps it; iss is appended', async () => {
    const withQuery = 'https://app.example/cb?tenant=1';
    const a = await seedApp(s, { redirectUris: [withQuery] });
    const res = await getAuthorize(s, 'mall1', { response_type: 'token', client_id: a.clientId, redirect_uri: withQuery, scope: 'mall.read_store', state: 'q' });
    const loc = new URL(res.headers.get('location')!);
    expect(Object.fromEntries(loc.searchParams)).toMatchObject({ tenant: '1', error: 'unsupported_response_type', state: 'q', iss: iss() });
  });
});
