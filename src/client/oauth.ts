import { createHash, randomBytes } from 'node:crypto';
import { mallRoot } from './endpoints.js';
import { isObject, readBody, sameText, traceIdOf } from './wire.js';
import { AuthorizationDeniedError, CallbackError, InvalidResponseError, OAuthResponseError, SessionEndedError } from './errors.js';

/**
 * The app's side of the authorization code flow (RFC 6749 §4.1, RFC 7636 PKCE, RFC 9207 `iss`)
 * against a mall of shopauth or of the real platform (same wire format).
 */

/**
 * Who the app is and which mall it talks to.
 *
 * @example
 * ```ts
 * const app: AppConfig = { base: 'http://127.0.0.1:8080', mallId: 'demo', clientId: ID, clientSecret: SECRET };
 * ```
 */
export interface AppConfig {
  /** A shopauth server root (`http://127.0.0.1:8080`) or a template with `{mall_id}` (`https://{mall_id}.cafe24api.com`). */
  base: string;
  mallId: string;
  clientId: string;
  /** Absent for a public client (PKCE only). */
  clientSecret?: string | undefined;
  /** RFC 6749 §2.3.1: `basic` (default, `client_secret_basic`) or `body` (`client_secret_post`). */
  clientAuth?: 'basic' | 'body' | undefined;
  /** The issuer expected in `iss` (RFC 9207); default the mall root (`{base}/malls/{mall_id}`). */
  issuer?: string | undefined;
  /** The fetch to use (default the global one). */
  fetch?: typeof fetch | undefined;
  /** The time, in epoch ms (default Date.now): expiry times are computed from it. */
  now?: (() => number) | undefined;
}

/**
 * Tokens as the SDK keeps them: plain JSON, so any store can persist them.
 *
 * @example
 * ```ts
 * const tokens: TokenSet = await exchangeCode(app, { code, redirectUri, codeVerifier });
 * if (tokens.expiresAt !== null && tokens.expiresAt < Date.now()) { ... }
 * ```
 */
export interface TokenSet {
  accessToken: string;
  tokenType: string;
  /** Epoch ms when the access token expires (from `expires_in`), or null when the server did not say. */
  expiresAt: number | null;
  refreshToken?: string | undefined;
  /** Epoch ms when the refresh token expires, when known. */
  refreshTokenExpiresAt?: number | undefined;
  scopes: string[];
  mallId?: string | undefined;
  userId?: string | undefined;
}

/**
 * What `authorizationUrl` made: send the browser to `url`, keep the rest (in the app's session)
 * for `handleCallback` and `exchangeCode`.
 *
 * @example
 * ```ts
 * const pending: PendingAuthorization = authorizationUrl({ ...app, redirectUri, scopes: ['mall.read_store'] });
 * sessions.set(sid, pending);
 * ```
 */
export interface PendingAuthorization {
  url: string;
  state: string;
  codeVerifier: string;
  redirectUri: string;
  /** The issuer the callback's `iss` must equal. */
  issuer: string;
}

/**
 * The authorize URL with a fresh `state` and a PKCE S256 pair (RFC 7636 §4.1-4.2; RFC 9700 §2.1.1).
 *
 * @example
 * ```ts
 * const pending = authorizationUrl({ base, mallId: 'demo', clientId, redirectUri: 'http://127.0.0.1:3000/callback',
 *   scopes: ['mall.read_store', 'mall.read_product'] });
 * res.writeHead(302, { location: pending.url }).end();
 * ```
 */
export function authorizationUrl(
  options: Pick<AppConfig, 'base' | 'mallId' | 'clientId' | 'issuer'> & {
    redirectUri: string;
    scopes: readonly string[];
    /** Extra query parameters. */
    extra?: Record<string, string> | undefined;
  },
): PendingAuthorization {
  const root = mallRoot(options.base, options.mallId);
  const state = randomBytes(24).toString('base64url');
  const codeVerifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(codeVerifier).digest('base64url');
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: options.clientId,
    redirect_uri: options.redirectUri,
    scope: options.scopes.join(','),
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...options.extra,
  });
  return { url: `${root}/api/v2/oauth/authorize?${query.toString()}`, state, codeVerifier, redirectUri: options.redirectUri, issuer: options.issuer ?? root };
}

/**
 * Checks the redirect that came back to the app: `state` must be the one sent, `iss` (when the
 * server sends it, RFC 9207 §2.4) the expected issuer; an `error` redirect becomes an
 * `AuthorizationDeniedError` carrying the server's `trace_id`. Returns the code.
 *
 * @example
 * ```ts
 * const { code } = handleCallback(new URL(req.url!, 'http://127.0.0.1:3000'), pending);
 * const tokens = await exchangeCode(app, { code, redirectUri: pending.redirectUri, codeVerifier: pending.codeVerifier });
 * ```
 */
export function handleCallback(url: string | URL, expected: { state: string; issuer?: string | undefined }): { code: string; state: string; iss: string | undefined } {
  const params = (typeof url === 'string' ? new URL(url) : url).searchParams;
  const one = (name: string) => {
    const all = params.getAll(name);
    if (all.length > 1) throw new CallbackError('ERR_CALLBACK_INVALID', `${name} is repeated in the callback`);
    return all[0];
  };
  const state = one('state');
  // RFC 6749 §10.12: the state binds the answer to this browser's request, before anything else is believed.
  if (state === undefined || !sameText(state, expected.state)) throw new CallbackError('ERR_STATE_MISMATCH', 'the callback state does not match the one sent');
  const iss = one('iss');
  if (iss !== undefined && expected.issuer !== undefined && iss !== expected.issuer) {
    throw new CallbackError('ERR_ISSUER_MISMATCH', `the callback comes from issuer ${iss}, not ${expected.issuer}`);
  }
  const error = one('error');
  if (error !== undefined) throw new AuthorizationDeniedError(error, one('error_description'), one('trace_id'));
  const code = one('code');
  if (!code) throw new CallbackError('ERR_CALLBACK_INVALID', 'the callback has neither code nor error');
  return { code, state, iss };
}

/**
 * Trades the code for tokens (RFC 6749 §4.1.3) with the PKCE verifier.
 *
 * @example
 * ```ts
 * const tokens = await exchangeCode(app, { code, redirectUri: pending.redirectUri, codeVerifier: pending.codeVerifier });
 * await store.set(tokens);
 * ```
 */
export async function exchangeCode(app: AppConfig, grant: { code: string; redirectUri: string; codeVerifier?: string | undefined }): Promise<TokenSet> {
  const params: Record<string, string> = { grant_type: 'authorization_code', code: grant.code, redirect_uri: grant.redirectUri };
  if (grant.codeVerifier !== undefined) params.code_verifier = grant.codeVerifier;
  return tokenRequest(app, params);
}

/**
 * Trades a refresh token for a new pair (RFC 6749 §6). The refresh token rotates: persist the new
 * one before using the new access token (the API client does this for you). A refused refresh
 * token is a `SessionEndedError`.
 *
 * @example
 * ```ts
 * const next = await refresh(app, tokens.refreshToken!);
 * await store.set(next);
 * ```
 */
export async function refresh(app: AppConfig, refreshToken: string): Promise<TokenSet> {
  try {
    return await tokenRequest(app, { grant_type: 'refresh_token', refresh_token: refreshToken });
  } catch (error) {
    if (error instanceof OAuthResponseError && error.error === 'invalid_grant') {
      throw new SessionEndedError(error.status, error.error, error.description, error.traceId);
    }
    throw error;
  }
}

/**
 * Revokes a token (RFC 7009; revoking the access token also revokes its refresh token at shopauth).
 *
 * @example
 * ```ts
 * await revoke(app, tokens.refreshToken!, 'refresh_token');
 * ```
 */
export async function revoke(app: AppConfig, token: string, hint?: 'access_token' | 'refresh_token'): Promise<void> {
  const params: Record<string, string> = { token };
  if (hint) params.token_type_hint = hint;
  await post(app, 'revoke', params);
}

/**
 * RFC 7662 introspection: whether the token is active, and about it (only the app's own tokens).
 *
 * @example
 * ```ts
 * const { active, scope } = await introspect(app, tokens.accessToken);
 * ```
 */
export async function introspect(
  app: AppConfig,
  token: string,
  hint?: 'access_token' | 'refresh_token',
): Promise<{ active: boolean; scope?: string; client_id?: string; exp?: number; token_type?: string; [name: string]: unknown }> {
  const params: Record<string, string> = { token };
  if (hint) params.token_type_hint = hint;
  const { body, status } = await post(app, 'introspect', params);
  if (!isObject(body) || typeof body.active !== 'boolean') throw new InvalidResponseError(status, 'the introspection answer has no active member');
  return body as { active: boolean };
}

async function tokenRequest(app: AppConfig, params: Record<string, string>): Promise<TokenSet> {
  const startedAt = (app.now ?? Date.now)();
  const { body, status, traceId } = await post(app, 'token', params);
  return tokenSetOf(body, startedAt, status, traceId);
}

/**
 * A token response (Cafe24's and RFC 6749 §5.1's fields, or POD Shop's) as a TokenSet. Lifetimes
 * are counted from when the request started, so expiry is never later than the server's.
 */
export function tokenSetOf(body: unknown, startedAt: number, status = 200, traceId?: string): TokenSet {
  if (!isObject(body) || typeof body.access_token !== 'string' || body.access_token === '') {
    throw new InvalidResponseError(status, 'the token response has no access_token', traceId);
  }
  const seconds = (n: unknown) => (typeof n === 'number' && Number.isFinite(n) ? startedAt + n * 1000 : undefined);
  // Cafe24 may send only expires_at/issued_at in the mall's local time without offset: their difference is the lifetime.
  const localSpan = (at: unknown) =>
    typeof at === 'string' && typeof body.issued_at === 'string' ? startedAt + (Date.parse(`${at}Z`) - Date.parse(`${body.issued_at}Z`)) : undefined;
  const expiresAt = seconds(body.expires_in) ?? localSpan(body.expires_at);
  const refreshExpiresAt = seconds(body.refresh_token_expires_in) ?? seconds(body.refresh_expires_in) ?? localSpan(body.refresh_token_expires_at);
  const scopes = Array.isArray(body.scopes)
    ? body.scopes.filter((s): s is string => typeof s === 'string')
    : typeof body.scope === 'string'
      ? body.scope.split(/[ ,]+/).filter(Boolean)
      : [];
  const set: TokenSet = {
    accessToken: body.access_token,
    tokenType: typeof body.token_type === 'string' ? body.token_type : 'Bearer',
    expiresAt: expiresAt !== undefined && Number.isFinite(expiresAt) ? expiresAt : null,
    scopes,
  };
  if (typeof body.refresh_token === 'string') set.refreshToken = body.refresh_token;
  if (refreshExpiresAt !== undefined && Number.isFinite(refreshExpiresAt)) set.refreshTokenExpiresAt = refreshExpiresAt;
  if (typeof body.mall_id === 'string') set.mallId = body.mall_id;
  if (typeof body.user_id === 'string') set.userId = body.user_id;
  return set;
}

/** POST a form to one of the mall's OAuth endpoints with the app's client authentication. */
async function post(app: AppConfig, endpoint: 'token' | 'revoke' | 'introspect', params: Record<string, string>) {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  const form = new URLSearchParams(params);
  if (app.clientSecret !== undefined && (app.clientAuth ?? 'basic') === 'basic') {
    headers.authorization = basicAuth(app.clientId, app.clientSecret);
  } else {
    form.set('client_id', app.clientId);
    if (app.clientSecret !== undefined) form.set('client_secret', app.clientSecret);
  }
  const res = await (app.fetch ?? fetch)(`${mallRoot(app.base, app.mallId)}/api/v2/oauth/${endpoint}`, { method: 'POST', headers, body: form.toString() });
  const body = await readBody(res);
  const traceId = traceIdOf(res, body);
  if (typeof body === 'string') throw new InvalidResponseError(res.status, `the ${endpoint} endpoint answered ${res.status} with a body that is not JSON`, traceId);
  if (!res.ok) {
    const error = isObject(body) && typeof body.error === 'string' ? body.error : `http_${res.status}`;
    const description = isObject(body) && typeof body.error_description === 'string' ? body.error_description : undefined;
    throw new OAuthResponseError(res.status, error, description, traceId);
  }
  return { body, status: res.status, traceId };
}

/**
 * `Authorization: Basic` for a client (RFC 6749 §2.3.1: each part form-encoded, then base64).
 *
 * @example
 * ```ts
 * fetch(url, { headers: { authorization: basicAuth(clientId, clientKey) } });
 * ```
 */
export function basicAuth(id: string, secret: string): string {
  const form = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${form(id)}:${form(secret)}`).toString('base64')}`;
}
