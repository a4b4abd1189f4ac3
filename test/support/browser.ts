import { expect } from 'vitest';
import { PASSWORD, REDIRECT_URI } from './fixtures.js';
import type { TestServer } from './server.js';

/** fetch with a cookie jar and no automatic redirects: what a browser does, step by step. */
export class Browser {
  readonly cookies = new Map<string, string>();

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    return res;
  }

  get(url: string): Promise<Response> {
    return this.request(url);
  }

  post(url: string, form: Record<string, string>): Promise<Response> {
    return this.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
  }
}

/** The form of a login or consent page: where it posts and its CSRF token. */
export function readForm(html: string, base: string): { action: string; csrf: string } {
  const action = /<form method="post" action="([^"]*)"/.exec(html)?.[1];
  const csrf = /name="csrf_token" value="([^"]*)"/.exec(html)?.[1];
  if (action === undefined || csrf === undefined) throw new Error(`no form in page:\n${html.slice(0, 500)}`);
  const unescaped = action.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
  return { action: new URL(unescaped, base).toString(), csrf };
}

/** Where a shopauth answers: a test server, or a spawned `shopauth serve` (test/scale/cluster.ts). */
export type Endpoint = Pick<TestServer, 'url' | 'mallUrl'>;

export interface AuthorizeOptions {
  mallId: string;
  clientId: string;
  redirectUri?: string;
  scope?: string;
  state?: string;
  userId?: string;
  password?: string;
  decision?: 'allow' | 'deny';
  /** Extra query parameters (PKCE ...). */
  extra?: Record<string, string>;
  browser?: Browser;
}

export function authorizeUrl(s: Endpoint, o: AuthorizeOptions): string {
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: o.clientId,
    state: o.state ?? 'state-123',
    redirect_uri: o.redirectUri ?? REDIRECT_URI,
    scope: o.scope ?? 'mall.read_store,mall.read_product',
    ...o.extra,
  });
  return `${s.mallUrl(o.mallId)}/api/v2/oauth/authorize?${q.toString()}`;
}

/**
 * Runs the browser part of the authorization code flow: GET authorize, POST the login form,
 * GET the consent page, POST the decision. Returns the final redirect's URL.
 */
export async function authorize(s: Endpoint, o: AuthorizeOptions): Promise<URL> {
  const browser = o.browser ?? new Browser();
  const url = authorizeUrl(s, o);
  const login = await browser.get(url);
  if (login.status !== 200) throw new Error(`authorize GET: ${login.status} ${await login.text()}`);
  const loginForm = readForm(await login.text(), url);
  const afterLogin = await browser.post(loginForm.action, { csrf_token: loginForm.csrf, user_id: o.userId ?? 'boss', password: o.password ?? PASSWORD });
  if (afterLogin.status !== 303) throw new Error(`login POST: ${afterLogin.status} ${await afterLogin.text()}`);
  const next = new URL(afterLogin.headers.get('location')!, url).toString();
  if (!next.startsWith(s.url)) return new URL(next);
  const consent = await browser.get(next);
  if (consent.status !== 200) return new URL(consent.headers.get('location') ?? `error:${consent.status}`);
  const consentForm = readForm(await consent.text(), next);
  const done = await browser.post(consentForm.action, { csrf_token: consentForm.csrf, decision: o.decision ?? 'allow' });
  if (done.status !== 303) throw new Error(`consent POST: ${done.status} ${await done.text()}`);
  return new URL(done.headers.get('location')!);
}

/** authorize() and return the code. */
export async function authorizeCode(s: Endpoint, o: AuthorizeOptions): Promise<string> {
  const location = await authorize(s, o);
  const code = location.searchParams.get('code');
  if (!code) throw new Error(`no code in ${location.toString()}`);
  return code;
}

/** The security headers of every HTML page (RFC 9700 §4.16 no framing, §4.2 no Referer, §4.3 no caching). */
export function expectPageHeaders(res: Response): void {
  expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
}

/** The text of a page's first `role="alert"` message, entities decoded; null when it shows none. */
export function alertOf(html: string): string | null {
  const m = /role="alert"[^>]*>([\s\S]*?)<\/p>/.exec(html);
  if (!m) return null;
  const text = m[1]!.replace(/<[^>]+>/g, '');
  return text.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').trim();
}

/** An HTML page refusal as a user sees it (pages.md): the status, the page headers and the message shown. */
export async function expectPageRefusal(res: Response, status: number, message: string | null): Promise<void> {
  expect({ status: res.status, alert: alertOf(await res.text()) }).toEqual({ status, alert: message });
  expectPageHeaders(res);
}

/** The message of a failed sign-in, the same for a wrong password, an unknown or another mall's operator (pages.md). */
export const WRONG_LOGIN = 'The operator ID or password is wrong.';

/** The message of a form posted without its session's CSRF token (RFC 9700 §4.7; pages.md). */
export const CSRF_REFUSED = 'invalid_request: the form has expired or did not come from this site; go back and reload the page';

/** A throttled sign-in as the person sees it: 429, Retry-After in seconds, the login page saying when to retry. */
export async function expectLoginThrottled(res: Response, seconds: number): Promise<void> {
  expect(res.headers.get('retry-after')).toBe(String(seconds));
  await expectPageRefusal(res, 429, `Too many sign-in attempts. Try again in ${seconds} seconds.`);
}
