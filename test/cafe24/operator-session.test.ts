import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { authorizeUrl, Browser, expectPageHeaders, readForm } from '../support/browser.js';
import { PASSWORD, seedApp, seedMall } from '../support/fixtures.js';
import { startServer, type TestServer } from '../support/server.js';

/**
 * An operator's session (http/session.ts) lives `lifetimes.sessionMs` (an hour) from sign-in, on
 * the server's clock: the console and the consent page both end it there. A server of its own,
 * since the clock moves by hours.
 */
let s: TestServer;
let clientId: string;
beforeAll(async () => {
  s = await startServer();
  await seedMall(s, 'mall1');
  ({ clientId } = await seedApp(s));
});
afterAll(() => s?.close());

const consoleUrl = () => `${s.mallUrl('mall1')}/console`;
const signedIn = (html: string) => !html.includes('name="password"');

/** Signs `boss` in at `url` (a page with the login form); returns the browser and its session. */
async function signIn(url: string) {
  const browser = new Browser();
  const form = readForm(await (await browser.get(url)).text(), url);
  const res = await browser.post(form.action, { csrf_token: form.csrf, user_id: 'boss', password: PASSWORD });
  expect(res.status).toBe(303);
  return browser;
}

describe('operator session expiry (ManualClock)', () => {
  test('the console: signed in until the hour is up, then the login page; a form posted with the old session is 401', async () => {
    const browser = await signIn(consoleUrl());
    s.clock.advance(s.config.lifetimes.sessionMs - 1000);
    const before = await browser.get(consoleUrl());
    expect(before.status).toBe(200);
    const html = await before.text();
    expect(signedIn(html)).toBe(true);
    const csrf = readForm(html, consoleUrl()).csrf;
    s.clock.advance(1000);
    const after = await browser.get(consoleUrl());
    expect(after.status).toBe(200);
    expectPageHeaders(after);
    expect(signedIn(await after.text())).toBe(false);
    const posted = await browser.post(`${consoleUrl()}/apps/${clientId}/remove`, { csrf_token: csrf, confirm: 'yes' });
    expect(posted.status).toBe(401);
    expect(await posted.text()).toContain('Your session has ended; sign in again.');
    // Nothing was removed: signing in again works and the session starts a new hour.
    const again = await signIn(consoleUrl());
    expect(signedIn(await (await again.get(consoleUrl())).text())).toBe(true);
  });

  test('the consent page: an approval posted after the hour is the login page saying so, and no code', async () => {
    const url = authorizeUrl(s, { mallId: 'mall1', clientId });
    const browser = await signIn(url);
    const consent = await browser.get(url);
    expect(consent.status).toBe(200);
    const form = readForm(await consent.text(), url);
    s.clock.advance(s.config.lifetimes.sessionMs);
    const res = await browser.post(form.action, { csrf_token: form.csrf, decision: 'allow' });
    expect(res.status).toBe(401);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('Your session has ended; sign in again.');
  });
});
