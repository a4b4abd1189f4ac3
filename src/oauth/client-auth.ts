import type { App } from '../store/types.js';
import type { AppContext } from '../app-context.js';
import { OAuthError } from './errors.js';

export interface ClientCredentials {
  /** The Authorization header, if any. */
  authorization: string | undefined;
  /** client_id and client_secret from the form body, if any. */
  clientId: string | undefined;
  clientSecret: string | undefined;
}

const invalidClient = () => new OAuthError('invalid_client', 'client authentication failed');

/** RFC 6749 §2.3.1: Basic credentials are form-encoded before base64. Returns undefined if malformed. */
export function parseBasic(header: string): { id: string; secret: string } | undefined {
  const m = /^basic +([A-Za-z0-9+/=._~-]+) *$/i.exec(header);
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) return undefined;
  // Nothing form-encoded (no '%' or '+'): as is, without the decoder.
  if (!/[%+]/.test(decoded)) return { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
  try {
    const form = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    return { id: form(decoded.slice(0, colon)), secret: form(decoded.slice(colon + 1)) };
  } catch {
    return { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
  }
}

/**
 * Authenticates the client of a token, revocation or introspection request:
 * HTTP Basic (client_secret_basic), body (client_secret_post), or none for public clients
 * (RFC 6749 §2.3; one method per request). Wrong credentials: `invalid_client`, 401.
 */
export async function authenticateClient(ctx: AppContext, creds: ClientCredentials): Promise<App> {
  let id: string;
  let secret: string | undefined;
  if (creds.authorization !== undefined) {
    const basic = parseBasic(creds.authorization);
    if (!basic) throw invalidClient();
    if (creds.clientSecret !== undefined) throw new OAuthError('invalid_request', 'use one client authentication method, not two');
    if (creds.clientId !== undefined && creds.clientId !== basic.id) throw new OAuthError('invalid_request', 'client_id does not match the authenticated client');
    ({ id, secret } = basic);
  } else if (creds.clientId !== undefined) {
    id = creds.clientId;
    secret = creds.clientSecret;
  } else {
    throw invalidClient();
  }
  const app = await ctx.store.apps.get(id);
  if (!app || app.revokedAt !== null) throw invalidClient();
  if (app.clientType === 'public') {
    // A public client has no secret to present (RFC 6749 §2.1); presenting one is an error.
    if (secret !== undefined && secret !== '') throw invalidClient();
    return app;
  }
  if (secret === undefined || app.secretHash === null) throw invalidClient();
  if (ctx.hasher.verify(secret, app.secretHash, 'client')) return app;
  // Secret rotation with grace (issue 11): the previous secret works until its expiry. Looked up
  // only after the current secret failed, so the usual request pays nothing for it.
  const previous = await ctx.store.appSecrets.previous(app.clientId, ctx.clock.now());
  if (previous !== undefined && ctx.hasher.verify(secret, previous, 'client')) return app;
  throw invalidClient();
}
