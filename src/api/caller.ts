import { ApiError } from '../errors.js';
import type { AppContext } from '../app-context.js';
import { authenticateCredentials, badCredentials } from '../registry/credentials.js';
import { OAuthError } from '../oauth/errors.js';
import { isLive } from '../oauth/tokens/issue.js';
import { checkJwt, looksLikeJwt } from '../oauth/tokens/jwt.js';
import { signingKeysOf } from '../oauth/tokens/signing-keys.js';
import type { Mall, TokenRecord } from '../store/types.js';

/** Who is calling the resource API, whatever the credential. */
export interface Caller {
  mallId: string;
  clientId: string;
  userId: string;
  scopes: readonly string[];
}

// RFC 6750 §3: the realm names the protected resource.
const REALM = 'realm="shopauth"';

const invalidToken = (description: string) =>
  new OAuthError('invalid_token', description, { headers: { 'www-authenticate': `Bearer ${REALM}, error="invalid_token"` } });

// RFC 6750 §3.1: an expired token is invalid_token in the challenge; the code tells the dialects apart.
const expiredToken = () =>
  new ApiError('token_expired', 'the access token has expired', { headers: { 'www-authenticate': `Bearer ${REALM}, error="invalid_token"` } });

const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Keyed hashes of JWTs whose signature this server has verified: a signature's verdict cannot
 * change, so each token pays its ECDSA check once, not on every call. Expiry and revocation are
 * still the stored record's, read on every call. Bounded: cleared when full.
 */
const verifiedJwts = new WeakMap<AppContext, Set<string>>();
const MAX_VERIFIED = 10_000;

async function checkSignature(ctx: AppContext, token: string, hash: string, now: number, gate?: () => Promise<void>): Promise<void> {
  let verified = verifiedJwts.get(ctx);
  if (verified?.has(hash)) return;
  // Issue 15, item 8: an unknown JWT costs an ECDSA verification; the caller's address pays for it first.
  await gate?.();
  const check = await checkJwt(signingKeysOf(ctx), token, now);
  if (check.status === 'expired') throw expiredToken();
  if (check.status !== 'ok') throw invalidToken('the access token is invalid');
  if (!verified) verifiedJwts.set(ctx, (verified = new Set()));
  if (verified.size >= MAX_VERIFIED) verified.clear();
  verified.add(hash);
}

/**
 * The one code path deciding who the caller is, for both dialects:
 * - `Authorization: Bearer {token}` (RFC 6750 §2.1, scheme case-insensitive): an opaque token
 *   (one keyed hash, one lookup) or a JWT access token (RFC 9068: signature by a published key
 *   first, once per token, then the same lookup, so a revoked JWT is refused at once);
 * - `Authorization: Basic base64(ClientID:ClientKey)` of POD Shop API credentials.
 * `mall`: the tenant of the route; null when the credential names it (POD Shop's root routes).
 * A credential of another mall is as good as unknown: no cross-tenant reads.
 */
export async function resolveCaller(
  ctx: AppContext,
  mall: Mall | null,
  authorization: string | undefined,
  /** Called before a signature is verified (a per-address limit); a throw refuses the call. */
  gate?: () => Promise<void>,
): Promise<Caller> {
  if (authorization === undefined || authorization === '') {
    // RFC 6750 §3.1: a request without credentials gets the challenge but no error code.
    throw new OAuthError('invalid_token', 'an access token is required', { headers: { 'www-authenticate': `Bearer ${REALM}` } });
  }
  if (/^basic /i.test(authorization)) {
    const credentials = await authenticateCredentials(ctx, authorization);
    if (mall !== null && credentials.mallId !== mall.mallId) throw badCredentials();
    return { mallId: credentials.mallId, clientId: credentials.clientId, userId: credentials.clientId, scopes: credentials.scopes };
  }
  const token = BEARER.exec(authorization)?.[1];
  if (token === undefined) throw invalidToken('the Authorization header must be: Bearer {access_token}');
  const now = ctx.clock.now();
  // The keyed hash names a verified JWT; an opaque token's is made once, by the lookup below.
  if (looksLikeJwt(token)) await checkSignature(ctx, token, ctx.hasher.hash(token), now, gate);
  // After a server key rotation, tokens hashed under a previous key are found too (server-keys.ts).
  const record = (await ctx.hasher.lookup(token, (h) => ctx.store.tokens.get(h)))?.found;
  if (!record || record.kind !== 'access' || (mall !== null && record.mallId !== mall.mallId)) throw invalidToken('the access token is invalid');
  if (!isLive(record, now)) {
    if (record.revokedAt === null) throw expiredToken();
    // wire.md, Admin API errors: "403 ... app uninstalled": the operator withdrew the grant, or the app was removed.
    if (await isUninstalled(ctx, record)) throw new OAuthError('access_denied', 'the app is no longer installed in this mall');
    throw invalidToken('the access token has been revoked');
  }
  return { mallId: record.mallId, clientId: record.clientId, userId: record.userId, scopes: record.scopes };
}

/** Was this revoked token's app uninstalled (its grant revoked, or the app itself)? Off the hot path: revoked tokens only. */
async function isUninstalled(ctx: AppContext, record: TokenRecord): Promise<boolean> {
  const grant = record.grantId === null ? undefined : await ctx.store.grants.get(record.grantId);
  if (grant && grant.revokedAt !== null) return true;
  const app = await ctx.store.apps.get(record.clientId);
  return app !== undefined && app.kind === 'app' && app.revokedAt !== null;
}

/** RFC 6750 §3.1: insufficient_scope, 403, naming the scope needed. */
export function requireScope(caller: Caller, scope: string): void {
  if (!caller.scopes.includes(scope)) {
    throw new OAuthError('insufficient_scope', `this call needs the scope ${scope}`, {
      headers: { 'www-authenticate': `Bearer ${REALM}, error="insufficient_scope", scope="${scope}"` },
    });
  }
}
