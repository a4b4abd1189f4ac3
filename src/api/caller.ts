import type { OAuthContext } from '../oauth/context.js';
import { OAuthError } from '../oauth/errors.js';
import { isLive } from '../oauth/tokens/issue.js';
import type { Mall } from '../store/types.js';

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

/**
 * The one code path deciding who the caller is (RFC 6750 §2.1: `Authorization: Bearer`, scheme
 * case-insensitive). A token of another mall is as good as unknown: no cross-tenant reads.
 */
export async function resolveCaller(ctx: OAuthContext, mall: Mall, authorization: string | undefined): Promise<Caller> {
  if (authorization === undefined || authorization === '') {
    // RFC 6750 §3.1: a request without credentials gets the challenge but no error code.
    throw new OAuthError('invalid_token', 'an access token is required', { headers: { 'www-authenticate': `Bearer ${REALM}` } });
  }
  const m = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(authorization);
  if (!m?.[1]) throw invalidToken('the Authorization header must be: Bearer {access_token}');
  const record = await ctx.store.tokens.get(ctx.hasher.hash(m[1]));
  if (!record || record.kind !== 'access' || record.mallId !== mall.mallId) throw invalidToken('the access token is invalid');
  if (!isLive(record, ctx.clock.now())) {
    throw invalidToken(record.revokedAt === null ? 'the access token has expired' : 'the access token has been revoked');
  }
  return { mallId: record.mallId, clientId: record.clientId, userId: record.userId, scopes: record.scopes };
}

/** RFC 6750 §3.1: insufficient_scope, 403, naming the scope needed. */
export function requireScope(caller: Caller, scope: string): void {
  if (!caller.scopes.includes(scope)) {
    throw new OAuthError('insufficient_scope', `this call needs the scope ${scope}`, {
      headers: { 'www-authenticate': `Bearer ${REALM}, error="insufficient_scope", scope="${scope}"` },
    });
  }
}
