/// <reference lib="dom" />
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';

/**
 * Headless Chromium (Debian's `chromium`, driven by playwright-core) for the pages' end-to-end
 * tests, and a small third-party app on loopback: its App URL checks the launch's hmac with the
 * app's client secret (README, Operator console) and starts the authorization request; its
 * redirect URI shows the code.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = 'test-artifacts/screenshots';

export const launchBrowser = (): Promise<Browser> =>
  chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });

const axeSource: string = (createRequire(import.meta.url)('axe-core') as { source: string }).source;

export interface FakeApp {
  url: string;
  appUrl: string;
  redirectUri: string;
  /** Set once the developer center showed it. */
  secret: string;
  clientId: string;
  /** Each launch the App URL received: whether its hmac verified, and its parameters. */
  launches: { verified: boolean; params: URLSearchParams }[];
  close(): Promise<void>;
}

/** The third-party app: `/app` (App URL) and `/callback` (redirect URI). */
export async function startFakeApp(shopauthUrl: string, scope: string): Promise<FakeApp> {
  const app: FakeApp = { url: '', appUrl: '', redirectUri: '', secret: '', clientId: '', launches: [], close: async () => {} };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', app.url);
    if (url.pathname === '/app') {
      const raw = url.search.slice(1);
      const at = raw.lastIndexOf('&hmac=');
      const expected = Buffer.from(createHmac('sha256', app.secret).update(raw.slice(0, at)).digest('base64'));
      const presented = Buffer.from(decodeURIComponent(raw.slice(at + 6)));
      const verified = at > 0 && expected.length === presented.length && timingSafeEqual(expected, presented);
      const params = new URLSearchParams(raw);
      app.launches.push({ verified, params });
      if (!verified) {
        res.writeHead(403, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>refused</title><p>bad hmac</p>');
        return;
      }
      // The app starts the authorization request at the launching mall (wire.md, App URL launch).
      const authorize = new URL(`${shopauthUrl}/malls/${params.get('mall_id')}/api/v2/oauth/authorize`);
      authorize.search = new URLSearchParams({ response_type: 'code', client_id: app.clientId, redirect_uri: app.redirectUri, scope, state: 'st-e2e' }).toString();
      res.writeHead(302, { location: authorize.toString() }).end();
      return;
    }
    if (url.pathname === '/callback') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><html lang="en"><link rel="icon" href="data:,"><title>callback</title><main><h1>Callback</h1><p id="code">${url.searchParams.get('code') ?? ''}</p></main></html>`);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  app.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  app.appUrl = `${app.url}/app`;
  app.redirectUri = `${app.url}/callback`;
  app.close = () => new Promise((resolve) => server.close(() => resolve()));
  return app;
}

/** A page that fails the test on a console error or an uncaught exception (a CSP violation is one). */
export async function watchedPage(context: BrowserContext): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    // A page answered with an error status on purpose (a 400 form, a 403) is logged by Chromium
    // as its own failed load; any other failed load (a stylesheet, a script) is an error.
    if (m.type() !== 'error' || (m.text().startsWith('Failed to load resource') && m.location().url === page.url())) return;
    errors.push(`${page.url()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
  return { page, errors };
}

/**
 * The page is one of shopauth's and sound: the shared stylesheet applied (not an unstyled page),
 * no accessibility violation that axe-core finds (labels, contrast, landmarks, names), no console error.
 */
export async function checkPage(page: Page, errors: string[]): Promise<void> {
  const styled = await page.evaluate(() => {
    const main = document.querySelector('main');
    return { bg: getComputedStyle(document.documentElement).backgroundColor, border: main ? getComputedStyle(main).borderTopStyle : '', sheets: document.styleSheets.length };
  });
  expect(styled, `unstyled page ${page.url()}`).toEqual({ bg: 'rgb(245, 247, 250)', border: 'solid', sheets: 1 });
  // Evaluated through the DevTools protocol: the page's CSP (no inline script) does not apply to it.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: { run: (o: object) => Promise<{ violations: { id: string; help: string; nodes: { html: string }[] }[] }> } }).axe.run({ resultTypes: ['violations'] });
    return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.html).join(' | ').slice(0, 300)})`);
  });
  expect(violations, `axe on ${page.url()}`).toEqual([]);
  expect(errors, 'console errors').toEqual([]);
}

const VARIANTS = [
  { lang: 'en', width: 1280, height: 900, tag: 'en' },
  { lang: 'ko', width: 1280, height: 900, tag: 'ko' },
  { lang: 'en', width: 390, height: 844, tag: 'en-phone' },
  { lang: 'ko', width: 390, height: 844, tag: 'ko-phone' },
] as const;

/**
 * Screenshots of a GET page in both languages, at desktop and phone width, each checked like
 * checkPage: the page is opened again in fresh contexts with the same cookies and the language
 * cookie set. Returns nothing; files go to test-artifacts/screenshots/NAME.TAG.png.
 */
export async function snapshot(browser: Browser, from: BrowserContext, url: string, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const state = await from.storageState();
  const host = new URL(url).hostname;
  for (const v of VARIANTS) {
    const context = await browser.newContext({ storageState: state, viewport: { width: v.width, height: v.height } });
    await context.addCookies([{ name: 'shopauth_lang', value: v.lang, domain: host, path: '/' }]);
    const { page, errors } = await watchedPage(context);
    const res = await page.goto(url);
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
    expect(await page.getAttribute('html', 'lang')).toBe(v.lang);
    await checkPage(page, errors);
    // Nothing wider than the phone's screen.
    if (v.width < 500) expect(await page.evaluate(() => document.documentElement.scrollWidth), `horizontal scroll at phone width on ${url}`).toBeLessThanOrEqual(v.width);
    await page.screenshot({ path: `${SCREENSHOTS}/${name}.${v.tag}.png`, fullPage: true });
    await context.close();
  }
}

/** A screenshot of the page as it is (a POST's answer, which cannot be opened again), checked. */
export async function snapshotHere(page: Page, errors: string[], name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await checkPage(page, errors);
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });
}
