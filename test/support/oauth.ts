import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { approve } from '../../src/oauth/authorize/consent.js';
import { authorizeCode, type AuthorizeOptions, type Endpoint } from './browser.js';
import { basic, REDIRECT_URI, seedApp, seedMall } from './fixtures.js';
import { startServer, type TestServer } from './server.js';

/** PKCE pair (RFC 7636 §4.1, §4.2): a 43-char verifier and its S256 challenge. */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface TestClient {
  clientId: string;
  clientSecret: string;
}

/** POST a form to one of a mall's OAuth endpoints (token, revoke, introspect), Basic auth unless `auth` is null. */
export function postForm(
  s: Endpoint,
  mallId: string,
  endpoint: 'token' | 'revoke' | 'introspect',
  params: Record<string, string>,
  client: TestClient | null,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${s.mallUrl(mallId)}/api/v2/oauth/${endpoint}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(client && client.clientSecret ? { authorization: basic(client.clientId, client.clientSecret) } : {}),
      ...headers,
    },
    body: new URLSearchParams(client && !client.clientSecret ? { client_id: client.clientId, ...params } : params).toString(),
  });
}

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  [k: string]: unknown;
}

/** Browser flow + code exchange: a fresh token pair (PKCE S256 always used). */
export async function obtainTokens(s: Endpoint, mallId: string, client: TestClient, options: Partial<AuthorizeOptions> = {}): Promise<TokenPair> {
  const { verifier, challenge } = pkce();
  const code = await authorizeCode(s, { mallId, clientId: client.clientId, ...options, extra: { code_challenge: challenge, code_challenge_method: 'S256', ...options.extra } });
  const res = await postForm(s, mallId, 'token', { grant_type: 'authorization_code', code, redirect_uri: options.redirectUri ?? REDIRECT_URI, code_verifier: verifier }, client);
  expect(res.status).toBe(200);
  return (await res.json()) as TokenPair;
}

/**
 * An app installed in a mall as a test's arrangement: the representative's consent recorded by the
 * real approve() (the grant, app.installed, the audit event), without the login page the
 * authorization suites prove, and its code exchanged at the token endpoint for a token pair.
 */
export async function consentTokens(s: TestServer, mallId: string, client: TestClient, options: { scopes?: string[]; userId?: string } = {}): Promise<TokenPair> {
  const mall = await s.store.malls.get(mallId);
  const operator = await s.store.operators.get(mallId, options.userId ?? 'boss');
  const app = await s.store.apps.get(client.clientId);
  if (!mall || !operator || !app) throw new Error(`consentTokens: no mall ${mallId}, operator or app ${client.clientId}`);
  const code = await approve(s.ctx, mall, operator, { client: app, redirectUri: REDIRECT_URI, scopes: options.scopes ?? app.scopes, state: undefined, codeChallenge: null, codeChallengeMethod: null });
  const res = await postForm(s, mallId, 'token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI }, client);
  expect(res.status).toBe(200);
  return (await res.json()) as TokenPair;
}

/** An RFC 6749 §5.2 error body with the trace id. */
export async function expectOAuthError(res: Response, status: number, error: string, description?: string): Promise<void> {
  const body = (await res.json()) as Record<string, string>;
  expect({ status: res.status, error: body.error }).toEqual({ status, error });
  if (description !== undefined) expect(body.error_description).toBe(description);
  expect(body.trace_id).toBe(res.headers.get('x-trace-id'));
  expect(res.headers.get('cache-control')).toBe('no-store');
}

/** GET the authorization endpoint without a browser; returns the response. */
export function getAuthorize(s: TestServer, mallId: string, query: Record<string, string>): Promise<Response> {
  return fetch(`${s.mallUrl(mallId)}/api/v2/oauth/authorize?${new URLSearchParams(query).toString()}`, { redirect: 'manual' });
}

/** A server with malls `mall1` and `mall2` and three apps: `app` and `other` (confidential), `pub` (public). */
export async function startWithClients(options: Parameters<typeof startServer>[0] = {}) {
  const s = await startServer(options);
  await seedMall(s, 'mall1');
  await seedMall(s, 'mall2');
  return { s, app: await seedApp(s), other: await seedApp(s), pub: await seedApp(s, { public: true }) };
}

/** Is the token live for this client (RFC 7662 introspection at `mallId`, mall1 unless named)? */
export async function isActive(s: Endpoint, client: TestClient, token: string, mallId = 'mall1'): Promise<boolean> {
  return ((await (await postForm(s, mallId, 'introspect', { token }, client)).json()) as { active: boolean }).active;
}

/**
 * An Admin API refusal as a client sees it (wire.md, Admin API errors): the status, the Cafe24
 * error body with the trace id and, for a 401, the RFC 6750 §3 challenge.
 */
export async function expectApiRefusal(res: Response, status: number, message: string, challenge = 'Bearer realm="shopauth", error="invalid_token"'): Promise<void> {
  expect(res.status).toBe(status);
  expect(await res.json()).toEqual({ error: { code: status, message, more_info: {}, trace_id: res.headers.get('x-trace-id') } });
  if (status === 401) expect(res.headers.get('www-authenticate')).toBe(challenge);
}

/** An answer already read, as adminApi gives it. */
export interface ReadAnswer {
  status: number;
  headers: Headers;
  body: unknown;
}

/**
 * A refusal exactly as a client sees it: the status, the whole JSON body and each header named
 * (null: absent). The one assertion a test of an error answer makes (issue 14).
 */
export async function expectRefusal(res: Response | ReadAnswer, status: number, body: unknown, headers: Record<string, string | null> = {}): Promise<void> {
  const seen = Object.fromEntries(Object.keys(headers).map((name) => [name, res.headers.get(name)]));
  const sent = res instanceof Response ? ((await res.json()) as unknown) : res.body;
  expect({ status: res.status, body: sent, headers: seen }).toEqual({ status, body, headers });
}

/** The Basic challenge of a failed client authentication (RFC 6749 §5.2 invalid_client, RFC 7617). */
export const BASIC_CHALLENGE = 'Basic realm="shopauth"';

/**
 * An RFC 6749 §5.2 error of the token endpoints, whole: `{ error, error_description, trace_id }`
 * (the trace id the x-trace-id header carries), Cache-Control no-store (§5.1) and, for a 401, the
 * Basic challenge unless `headers` names another; `headers` adds any other (Retry-After on 429).
 */
export async function expectTokenError(res: Response, status: number, error: string, description: string, headers: Record<string, string | null> = {}): Promise<void> {
  const challenge = status === 401 ? { 'www-authenticate': BASIC_CHALLENGE } : {};
  await expectRefusal(res, status, { error, error_description: description, trace_id: res.headers.get('x-trace-id') }, { 'cache-control': 'no-store', ...challenge, ...headers });
}
