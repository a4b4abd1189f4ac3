import type { Mall } from '../store/types.js';
import { authenticateClient, type ClientCredentials } from './client-auth.js';
import type { AppContext } from '../app-context.js';
import { OAuthError } from './errors.js';
import { required } from './grants/grant.js';
import { isLive } from './tokens/issue.js';

/** RFC 7662 §2.2: the answer for anything the caller may not learn about. */
const INACTIVE = Object.freeze({ active: false });

/**
 * RFC 7662 §2.1 token introspection. The caller must be a confidential client (§2.1: the
 * endpoint requires authorization; a public client proves nothing). A token is `active` only
 * when it is live (not expired, revoked, or for refresh tokens rotated) AND was issued to the
 * calling client in this mall; anything else, including other clients' live tokens, is
 * `{"active":false}` so the endpoint is no oracle (§4).
 */
export async function handleIntrospection(
  ctx: AppContext,
  request: { mall: Mall; issuer: string; credentials: ClientCredentials; params: Readonly<Record<string, string>> },
): Promise<Record<string, unknown>> {
  const client = await authenticateClient(ctx, request.credentials);
  if (client.clientType === 'public') throw new OAuthError('invalid_client', 'introspection requires client authentication');
  const token = required(request.params, 'token');
  // token_type_hint is only a hint (§2.1): tokens of both kinds share one table keyed by hash.
  const record = (await ctx.hasher.lookup(token, (h) => ctx.store.tokens.get(h)))?.found;
  const now = ctx.clock.now();
  if (!record || record.clientId !== client.clientId || record.mallId !== request.mall.mallId) return INACTIVE;
  if (!isLive(record, now) || record.rotatedAt !== null) return INACTIVE;
  return {
    active: true,
    scope: record.scopes.join(' '),
    client_id: record.clientId,
    username: record.userId,
    sub: record.userId,
    iss: request.issuer,
    exp: Math.floor(record.expiresAt / 1000),
    iat: Math.floor(record.issuedAt / 1000),
    // RFC 7662 §2.2: token_type is an RFC 6749 §7.1 access token type, so refresh tokens have none.
    ...(record.kind === 'access' ? { token_type: 'Bearer' } : {}),
    ...(record.jti !== null ? { jti: record.jti } : {}),
    mall_id: record.mallId,
  };
}
