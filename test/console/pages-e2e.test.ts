/// <reference lib="dom" />
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { signUp } from '../../src/developer-center/developers.js';
import { createApp } from '../../src/registry/registry.js';
import { basic, PASSWORD, seedMall } from '../support/fixtures.js';
import { startServer, type TestServer } from '../support/server.js';
import { checkPage, launchBrowser, snapshot, snapshotHere, startFakeApp, watchedPage, type FakeApp } from './support.js';

/**
 * The developer center and the operator console in a real browser (issue 11): headless Chromium
 * against the real server on loopback, a third-party app on loopback. Every page is checked
 * (styled, axe-core clean, no console error) and photographed in English and Korean, at desktop
 * and phone width (test-artifacts/screenshots/).
 */
let s: TestServer;
let browser: Browser;
let fake: FakeApp;
const SCOPE = 'mall.read_store,mall.read_product';
const EMAIL = 'dev@example.com';
const DEV_PASSWORD = 'developer password 1';

beforeAll(async () => {
  s = await startServer();
  await seedMall(s, 'mall1');
  fake = await startFakeApp(s.url, SCOPE);
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await fake?.close();
  await s?.close();
});

const token = (mallId: string, code: string, secret: string) =>
  fetch(`${s.mallUrl(mallId)}/api/v2/oauth/token`, {
    method: 'POST',
    headers: { authorization: basic(fake.clientId, secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: fake.redirectUri }),
  });
const storeCall = (mallId: string, accessToken: string) => fetch(`${s.mallUrl(mallId)}/api/v2/admin/store`, { headers: { authorization: `Bearer ${accessToken}` } });

/** Clicks and waits for the navigation it causes. */
async function go(page: Page, action: () => Promise<unknown>): Promise<void> {
  await Promise.all([page.waitForNavigation(), action()]);
}

/** Ends on the fake app's redirect URI: the code in the URL. */
function codeOf(page: Page): string {
  const url = new URL(page.url());
  expect(`${url.origin}${url.pathname}`).toBe(fake.redirectUri);
  expect(url.searchParams.get('state')).toBe('st-e2e');
  return url.searchParams.get('code')!;
}

let dev: BrowserContext;
let devPage: Page;
let devErrors: string[];
let firstSecret = '';
let testRunAccess = '';

describe('developer center', () => {
  test('sign up, register an app (Web, App URL, redirect URI, scopes, confidential); the secret is shown once and not again', async () => {
    dev = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    ({ page: devPage, errors: devErrors } = await watchedPage(dev));
    const page = devPage;
    await page.goto(`${s.url}/developers`);
    expect(await page.textContent('h1')).toBe('Sign in to the developer center');
    await snapshot(browser, dev, `${s.url}/developers`, 'developers-login');
    await go(page, () => page.click('text=No account yet? Sign up'));
    await snapshot(browser, dev, page.url(), 'developers-signup');
    await page.fill('#email', EMAIL);
    await page.fill('#name', 'Dana Developer');
    await page.fill('#password', DEV_PASSWORD);
    await go(page, () => page.click('button[type=submit]'));
    expect(await page.textContent('h1')).toBe('My apps');
    await checkPage(page, devErrors);
    await snapshot(browser, dev, page.url(), 'developers-apps-empty');

    await go(page, () => page.click('text=Register an app'));
    await snapshot(browser, dev, page.url(), 'developers-new-app');
    await page.fill('#name', 'Fake Shop App');
    await page.fill('#app_url', fake.appUrl);
    // A bad redirect URI first: the form comes back with the error and the values kept.
    await page.fill('#redirect_uris', `${fake.redirectUri}#frag`);
    await page.check('input[value="mall.read_store"]');
    await page.check('input[value="mall.read_product"]');
    await go(page, () => page.click('button:has-text("Register")'));
    expect(await page.textContent('[role=alert]')).toContain('redirect URI must not have a fragment');
    expect(await page.inputValue('#name')).toBe('Fake Shop App');
    expect(await page.isChecked('input[value="mall.read_store"]')).toBe(true);
    await snapshotHere(page, devErrors, 'developers-new-app-error');
    await page.fill('#redirect_uris', fake.redirectUri);
    await go(page, () => page.click('button:has-text("Register")'));
    expect(await page.textContent('[role=status]')).toContain('The app is registered.');
    fake.clientId = (await page.textContent('#client-id'))!;
    firstSecret = (await page.textContent('#client-secret'))!;
    expect(fake.clientId).toMatch(/^[A-Za-z0-9]{22}$/);
    expect(firstSecret).toMatch(/^[A-Za-z0-9]{32}$/);
    fake.secret = firstSecret;
    // The copy button copies it (the script is the static asset; CSP allows only 'self').
    await dev.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: s.url });
    await page.click('button[data-copy="client-secret"]');
    await expect.poll(() => page.textContent('#client-secret-status')).toBe('Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(firstSecret);
    await snapshotHere(page, devErrors, 'developers-app-created-with-secret');

    // Never again: not on the app's page, not in the list, not in the database.
    await page.goto(`${s.url}/developers/apps/${fake.clientId}`);
    expect(await page.content()).not.toContain(firstSecret);
    expect(await page.locator('#client-secret').count()).toBe(0);
    await snapshot(browser, dev, page.url(), 'developers-app');
    await page.goto(`${s.url}/developers`);
    expect(await page.content()).not.toContain(firstSecret);
    expect(await page.textContent('main')).toContain('Fake Shop App');
    await snapshot(browser, dev, page.url(), 'developers-apps');
    const row = await s.store.apps.get(fake.clientId);
    expect(row).toMatchObject({ name: 'Fake Shop App', appUrl: fake.appUrl, redirectUris: [fake.redirectUri], scopes: ['mall.read_store', 'mall.read_product'], clientType: 'confidential' });
    expect(JSON.stringify(row)).not.toContain(firstSecret);
    expect(await s.store.developers.ownerOf(fake.clientId)).toBeDefined();
  }, 120_000);

  test('test run: a sandbox mall with sample data, the install as an operator (signed launch, consent), a code the test exchanges', async () => {
    const page = devPage;
    await page.goto(`${s.url}/developers/apps/${fake.clientId}`);
    await go(page, () => page.click('button:has-text("Test run")'));
    // The console's install launched the App URL; the app checked the hmac and asked for consent.
    expect(fake.launches.at(-1)?.verified).toBe(true);
    const sandbox = fake.launches.at(-1)!.params.get('mall_id')!;
    expect(sandbox).toMatch(/^sandbox-/);
    expect(fake.launches.at(-1)!.params.get('user_type')).toBe('P');
    expect(await page.textContent('h1')).toBe('Allow Fake Shop App?');
    await snapshot(browser, dev, page.url(), 'consent');
    await go(page, () => page.click('button:has-text("Allow")'));
    const res = await token(sandbox, codeOf(page), firstSecret);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; mall_id: string; scopes: string[] };
    expect(body.mall_id).toBe(sandbox);
    testRunAccess = body.access_token;
    // The sandbox has the sample data and the developer owns it; a second test run reuses it.
    const products = await fetch(`${s.mallUrl(sandbox)}/api/v2/admin/products?limit=5`, { headers: { authorization: `Bearer ${testRunAccess}` } });
    expect(products.status).toBe(200);
    expect(((await products.json()) as { products: unknown[] }).products.length).toBe(5);
    await page.goto(`${s.url}/developers/apps/${fake.clientId}`);
    await go(page, () => page.click('button:has-text("Test run")'));
    expect(fake.launches.at(-1)!.params.get('mall_id')).toBe(sandbox);
    expect((await s.store.developers.byEmail(EMAIL))!.sandboxMallId).toBe(sandbox);
  }, 120_000);
});

let boss: BrowserContext;
let bossPage: Page;
let bossErrors: string[];
let mallAccess = '';
const consoleUrl = () => `${s.mallUrl('mall1')}/console`;

describe('operator console', () => {
  test('the operator installs the app from the console: the launch verifies with the secret, login and consent in the browser, the code is exchanged', async () => {
    boss = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    ({ page: bossPage, errors: bossErrors } = await watchedPage(boss));
    const page = bossPage;
    await page.goto(consoleUrl());
    expect(await page.textContent('h1')).toBe('Sign in to Shop mall1');
    await snapshot(browser, boss, consoleUrl(), 'console-login');
    await page.fill('#user_id', 'boss');
    await page.fill('#password', PASSWORD);
    await go(page, () => page.click('button[type=submit]'));
    expect(await page.textContent('main')).toContain('No apps are installed in this shop.');
    await go(page, () => page.click('nav >> text=Install an app'));
    await snapshot(browser, boss, page.url(), 'console-install');
    const card = page.locator('section', { hasText: 'Fake Shop App' });
    await go(page, () => card.locator('text=Install').click());
    const launch = fake.launches.at(-1)!;
    expect(launch.verified).toBe(true);
    expect(launch.params.get('mall_id')).toBe('mall1');
    expect(launch.params.get('user_id')).toBe('boss');
    // The console's session is the authorization pages' session: straight to consent.
    expect(await page.textContent('h1')).toBe('Allow Fake Shop App?');
    await go(page, () => page.click('button:has-text("Allow")'));
    const res = await token('mall1', codeOf(page), firstSecret);
    expect(res.status).toBe(200);
    mallAccess = ((await res.json()) as { access_token: string }).access_token;
    for (let i = 0; i < 3; i++) expect((await storeCall('mall1', mallAccess)).status).toBe(200);

    await page.goto(consoleUrl());
    const app = page.locator('section', { hasText: 'Fake Shop App' });
    expect(await app.textContent()).toContain('Allowed by Boss (boss) on 2026-03-01 12:00 (Asia/Seoul); it may:');
    expect(await app.textContent()).toContain('Read store settings');
    expect(await app.textContent()).toContain('Last used 2026-03-01 12:00 (Asia/Seoul); 3 API calls in the last 24 hours.');
    await snapshot(browser, boss, consoleUrl(), 'console-apps');
    // The language switch: Korean, remembered.
    await go(page, () => page.click('nav[aria-label=Language] >> text=한국어'));
    expect(await page.getAttribute('html', 'lang')).toBe('ko');
    expect(await page.textContent('h1')).toBe('Shop mall1의 앱');
    await page.goto(consoleUrl());
    expect(await page.getAttribute('html', 'lang')).toBe('ko');
    await go(page, () => page.click('nav[aria-label=언어] >> text=English'));
    expect(await page.getAttribute('html', 'lang')).toBe('en');
  }, 120_000);

  test('the representative adds a sub-operator, who can open the app but not remove it', async () => {
    const page = bossPage;
    await page.goto(`${consoleUrl()}/operators`);
    await page.fill('#new_user_id', 'clerk');
    await page.fill('#name', 'Clerk Kim');
    await page.fill('#new_password', 'clerk password 1');
    await go(page, () => page.click('button:has-text("Add a sub-operator")'));
    expect(await page.textContent('[role=status]')).toBe('Added the sub-operator Clerk Kim (clerk).');
    expect(await page.textContent('table')).toContain('Clerk Kim (clerk)');
    await snapshot(browser, boss, `${consoleUrl()}/operators`, 'console-operators');

    const clerk = await browser.newContext();
    const { page: cp, errors } = await watchedPage(clerk);
    await cp.goto(consoleUrl());
    await cp.fill('#user_id', 'clerk');
    await cp.fill('#password', 'clerk password 1');
    await go(cp, () => cp.click('button[type=submit]'));
    expect(await cp.textContent('main')).toContain('a sub-operator: you can open apps');
    expect(await cp.locator('button:has-text("Remove")').count()).toBe(0);
    expect(await cp.locator('nav >> text=Operators').count()).toBe(0);
    await checkPage(cp, errors);
    await snapshot(browser, clerk, consoleUrl(), 'console-apps-sub-operator');
    await go(cp, () => cp.click('a:has-text("Open")'));
    expect(fake.launches.at(-1)).toMatchObject({ verified: true });
    expect(fake.launches.at(-1)!.params.get('user_type')).toBe('A');
    // Removing by hand-made POST (the session's own CSRF token): 403, and the token still works.
    await cp.goto(consoleUrl());
    const csrf = await cp.getAttribute('input[name=csrf_token]', 'value');
    const refused = await clerk.request.post(`${consoleUrl()}/apps/${fake.clientId}/remove`, { form: { csrf_token: csrf!, confirm: 'yes' }, maxRedirects: 0 });
    expect(refused.status()).toBe(403);
    expect(await refused.text()).toContain('only the representative operator can remove apps');
    expect((await storeCall('mall1', mallAccess)).status).toBe(200);
    await clerk.close();
  }, 120_000);

  test('POD Shop credentials: created with scopes, key shown once, works with Basic at /ac/oauth/ext/token; revoked after confirming', async () => {
    const page = bossPage;
    await page.goto(`${consoleUrl()}/credentials`);
    await snapshot(browser, boss, page.url(), 'console-credentials');
    await page.fill('#name', 'Warehouse sync');
    await page.check('input[value="mall.read_order"]');
    await go(page, () => page.click('button:has-text("Create credentials")'));
    const id = (await page.textContent('#created-client-id'))!;
    const key = (await page.textContent('#created-key'))!;
    await snapshotHere(page, bossErrors, 'console-credentials-created');
    const pod = await fetch(`${s.url}/ac/oauth/ext/token`, { method: 'POST', headers: { authorization: basic(id, key) } });
    expect(pod.status).toBe(200);
    expect(((await pod.json()) as { token_type: string }).token_type).toBe('bearer');
    await page.goto(`${consoleUrl()}/credentials`);
    expect(await page.content()).not.toContain(key);
    await go(page, () => page.locator('section', { hasText: 'Warehouse sync' }).locator('button:has-text("Revoke")').click());
    expect(await page.textContent('[role=alert]')).toContain('Revoke the credentials Warehouse sync?');
    await snapshotHere(page, bossErrors, 'console-confirm');
    expect((await fetch(`${s.url}/ac/oauth/ext/token`, { method: 'POST', headers: { authorization: basic(id, key) } })).status).toBe(200);
    await go(page, () => page.click('button.danger'));
    expect((await fetch(`${s.url}/ac/oauth/ext/token`, { method: 'POST', headers: { authorization: basic(id, key) } })).status).toBe(401);
  }, 120_000);

  test('the audit log, filterable by type', async () => {
    const page = bossPage;
    await page.goto(`${consoleUrl()}/audit`);
    expect(await page.textContent('table')).toContain('login.ok');
    await page.selectOption('#type', 'consent.given');
    await go(page, () => page.click('button:has-text("Filter")'));
    expect(new URL(page.url()).searchParams.get('type')).toBe('consent.given');
    const types = await page.locator('tbody tr td:nth-child(2)').allTextContents();
    expect(types.length).toBeGreaterThan(0);
    expect(new Set(types)).toEqual(new Set(['consent.given']));
    await snapshot(browser, boss, page.url(), 'console-audit');
  }, 120_000);

  test('the operator removes the app (after confirming) and its token is refused at once', async () => {
    const page = bossPage;
    await page.goto(consoleUrl());
    await go(page, () => page.locator('section', { hasText: 'Fake Shop App' }).locator('button:has-text("Remove")').click());
    expect(await page.textContent('[role=alert]')).toContain('Remove Fake Shop App from Shop mall1?');
    expect((await storeCall('mall1', mallAccess)).status).toBe(200);
    await go(page, () => page.click('button.danger'));
    expect(await page.textContent('main')).toContain('No apps are installed in this shop.');
    const refused = await storeCall('mall1', mallAccess);
    expect(refused.status).toBe(403);
  }, 60_000);
});

describe('developer center: rotate and delete', () => {
  const authOnly = (secret: string) => token('mall1', 'no-such-code', secret).then((r) => r.status);

  test('rotate with a grace: the old secret keeps working until then; rotate "at once": the previous stops', async () => {
    const page = devPage;
    await page.goto(`${s.url}/developers/apps/${fake.clientId}`);
    await go(page, () => page.click('text=Rotate secret'));
    await snapshot(browser, dev, page.url(), 'developers-rotate');
    await page.check('input[value=hour]');
    await go(page, () => page.click('button:has-text("Rotate")'));
    const second = (await page.textContent('#client-secret'))!;
    expect(second).not.toBe(firstSecret);
    expect(await page.textContent('main')).toContain('The previous secret keeps working until 2026-03-01 04:00 UTC.');
    // invalid_grant (400) means the client authenticated; invalid_client (401) that it did not.
    expect(await authOnly(firstSecret)).toBe(400);
    expect(await authOnly(second)).toBe(400);
    s.clock.advance(3_600_000);
    expect(await authOnly(firstSecret)).toBe(401);
    // An hour is also the session's life: sign in again.
    await page.goto(`${s.url}/developers`);
    await snapshot(browser, dev, page.url(), 'developers-login-again');
    await page.fill('#email', EMAIL);
    await page.fill('#password', DEV_PASSWORD);
    await go(page, () => page.click('button[type=submit]'));
    expect(await page.textContent('h1')).toBe('My apps');
    // Launches are signed with the new secret now.
    fake.secret = second;
    await page.goto(`${s.url}/developers/apps/${fake.clientId}/rotate`);
    await go(page, () => page.click('button:has-text("Rotate")'));
    const third = (await page.textContent('#client-secret'))!;
    expect(await page.textContent('main')).toContain('The previous secret stopped working.');
    expect(await authOnly(second)).toBe(401);
    expect(await authOnly(third)).toBe(400);
    fake.secret = third;
  }, 120_000);

  test('edit, then delete after confirming: the test run token dies', async () => {
    const page = devPage;
    await page.goto(`${s.url}/developers/apps/${fake.clientId}/edit`);
    await snapshot(browser, dev, page.url(), 'developers-edit');
    await page.fill('#name', 'Fake Shop App 2');
    await go(page, () => page.click('button:has-text("Save")'));
    expect(await page.textContent('h1')).toBe('Fake Shop App 2');
    expect((await s.store.apps.get(fake.clientId))!.name).toBe('Fake Shop App 2');
    const sandbox = (await s.store.developers.byEmail(EMAIL))!.sandboxMallId!;
    expect((await storeCall(sandbox, testRunAccess)).status).toBe(200);
    await go(page, () => page.click('button:has-text("Delete")'));
    expect(await page.textContent('[role=alert]')).toContain('Delete Fake Shop App 2?');
    await snapshotHere(page, devErrors, 'developers-delete-confirm');
    await go(page, () => page.click('button.danger'));
    expect(await page.textContent('main')).toContain('You have no apps yet.');
    // Refused at once: its grants are revoked with it (403 "no longer installed"), its tokens too.
    expect((await storeCall(sandbox, testRunAccess)).status).toBe(403);
    expect((await s.store.grants.list(sandbox)).every((g) => g.revokedAt !== null)).toBe(true);
  }, 120_000);

  test('a platform admin sees the apps no developer owns (made with the CLI without --developer)', async () => {
    const deps = { store: s.store, clock: s.clock, hasher: s.ctx.hasher, secretSealer: s.ctx.secretSealer };
    await signUp(deps, { email: 'admin@example.com', name: 'Admin', password: DEV_PASSWORD, platformAdmin: true });
    const cli = await createApp(deps, { name: 'CLI App', appUrl: 'https://cli.example/', redirectUris: ['https://cli.example/cb'], scopes: ['mall.read_store'] });
    const admin = await browser.newContext();
    const { page, errors } = await watchedPage(admin);
    await page.goto(`${s.url}/developers`);
    await page.fill('#email', 'admin@example.com');
    await page.fill('#password', DEV_PASSWORD);
    await go(page, () => page.click('button[type=submit]'));
    await go(page, () => page.click('nav >> text=Unowned apps'));
    expect(await page.textContent('main')).toContain(cli.app.clientId);
    await checkPage(page, errors);
    await snapshot(browser, admin, page.url(), 'developers-unowned');
    // Not for other developers.
    const other = await devPage.goto(`${s.url}/developers/unowned`);
    expect(other?.status()).toBe(403);
    await snapshotHere(devPage, devErrors.splice(0), 'error-page');
    await admin.close();
  }, 120_000);

  test('an error page for a request that cannot be redirected is one of the pages too', async () => {
    await snapshot(browser, dev, `${s.mallUrl('mall1')}/api/v2/oauth/authorize?response_type=code&client_id=nope`, 'error');
  }, 60_000);
});
