import type { App, Mall } from '../../store/types.js';
import type { AppContext } from '../../app-context.js';
import { OAuthError, paramName } from '../errors.js';
import { isValidChallenge } from '../pkce.js';
import { parseScopes, requireSubset } from '../scopes.js';

/** A validated authorization request (RFC 6749 §4.1.1, wire.md "Authorization request"). */
export interface AuthorizationRequest {
  client: App;
  redirectUri: string;
  scopes: string[];
  state: string | undefined;
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
}

export type AuthorizationValidation =
  /** client_id or redirect_uri is wrong: show the error to the person, never redirect (RFC 6749 §4.1.2.1). */
  | { kind: 'page'; error: OAuthError }
  /** Any other error goes back to the client's redirect URI. */
  | { kind: 'redirect'; redirectUri: string; state: string | undefined; error: OAuthError }
  | { kind: 'ok'; request: AuthorizationRequest };

// An http redirect URI on a loopback IP literal, split at its port: [before, port, after].
const LOOPBACK = /^(http:\/\/(?:127\.0\.0\.1|\[::1\]))(?::(\d{1,5}))?([/?].*)?$/s;

/**
 * RFC 9700 §2.1: the redirect URI must be one of the registered ones, compared as strings. The one
 * exception is RFC 8252 §7.3: on a loopback IP literal over http (a native app's or CLI's
 * callback), the port may differ from the registered one, since the app takes a free port when
 * it runs. Everything else (scheme, address, path, query) still matches exactly; `localhost` and
 * every other host keep the exact rule, port included.
 */
export function isRegisteredRedirectUri(registered: readonly string[], presented: string): boolean {
  if (registered.includes(presented)) return true;
  const p = LOOPBACK.exec(presented);
  if (!p || (p[2] !== undefined && (Number(p[2]) > 65535 || p[2].startsWith('0')))) return false;
  return registered.some((uri) => {
    const r = LOOPBACK.exec(uri);
    return r !== null && r[1] === p[1] && (r[3] ?? '') === (p[3] ?? '');
  });
}

/**
 * Validates the query of `GET /api/v2/oauth/authorize`. Parameters may appear at most once
 * (RFC 6749 §3.1); the query arrives parsed, repeated names as arrays.
 */
export async function validateAuthorizationRequest(
  ctx: AppContext,
  mall: Mall,
  query: Readonly<Record<string, string | string[] | undefined>>,
): Promise<AuthorizationValidation> {
  const one = (name: string): string | undefined | null => {
    const v = query[name];
    return Array.isArray(v) ? null : v;
  };
  const page = (description: string): AuthorizationValidation => ({ kind: 'page', error: new OAuthError('invalid_request', description) });

  const clientId = one('client_id');
  if (clientId === null) return page('client_id is repeated');
  if (!clientId) return page('client_id is required');
  const client = await ctx.store.apps.get(clientId);
  if (!client || client.kind !== 'app' || client.revokedAt !== null || (client.mallId !== null && client.mallId !== mall.mallId)) {
    return page('client_id does not name a registered app');
  }
  const redirectUri = one('redirect_uri');
  if (redirectUri === null) return page('redirect_uri is repeated');
  if (!redirectUri) return page('redirect_uri is required');
  if (!isRegisteredRedirectUri(client.redirectUris, redirectUri)) return page('redirect_uri is not registered for this app');

  const state = one('state');
  const fail = (error: OAuthError): AuthorizationValidation => ({ kind: 'redirect', redirectUri, state: state ?? undefined, error });
  for (const [name, value] of Object.entries(query)) {
    if (Array.isArray(value)) return fail(new OAuthError('invalid_request', `${paramName(name)} is repeated`));
  }
  const responseType = one('response_type');
  // wire.md: a missing response_type is unsupported_response_type, as the seed's table says.
  if (responseType !== 'code') {
    return fail(new OAuthError('unsupported_response_type', responseType ? 'response_type must be code' : 'response_type is required'));
  }
  const rawScope = one('scope');
  if (!rawScope) return fail(new OAuthError('invalid_request', 'scope is required'));
  let scopes: string[];
  try {
    scopes = parseScopes(rawScope);
    if (scopes.length === 0) throw new OAuthError('invalid_request', 'scope is required');
    requireSubset(scopes, client.scopes);
  } catch (error) {
    return fail(error as OAuthError);
  }

  // RFC 7636 §4.3 and RFC 9700 §2.1.1: S256 only; required for public clients.
  const challenge = one('code_challenge') ?? null;
  const method = one('code_challenge_method') ?? null;
  if (challenge === null) {
    if (method !== null) return fail(new OAuthError('invalid_request', 'code_challenge_method without code_challenge'));
    if (client.clientType === 'public') return fail(new OAuthError('invalid_request', 'code_challenge is required for public clients (PKCE)'));
  } else {
    if (method !== 'S256') return fail(new OAuthError('invalid_request', 'code_challenge_method must be S256'));
    if (!isValidChallenge(challenge)) return fail(new OAuthError('invalid_request', 'code_challenge is malformed'));
  }
  return {
    kind: 'ok',
    request: { client, redirectUri, scopes, state: state ?? undefined, codeChallenge: challenge, codeChallengeMethod: method },
  };
}
