import type { Mall } from '../store/types.js';
import { authenticateClient, type ClientCredentials } from './client-auth.js';
import type { AppContext } from '../app-context.js';
import { OAuthError } from './errors.js';
import { required, type RequestMeta } from './grants/grant.js';
import { isLive } from './tokens/issue.js';

/**
 * RFC 7009 §2.1 and wire.md (Revocation): revokes the token and its family, so revoking an access
 * token also revokes its refresh token, and revoking a refresh token the access tokens of the
 * same grant (§2.1 SHOULD). Invalid tokens (unknown, expired, revoked, rotated, or of another
 * mall, which is another issuer) get 200 (§2.2). A valid token issued to another client is
 * refused (§2.1: "the request is refused and the client is informed of the error"), as
 * node-oidc-provider does, and left alone. Under the family's lock (docs/store.md), so a refresh
 * in flight either lands before (and its pair is revoked here) or sees the family revoked.
 */
export async function handleRevocation(
  ctx: AppContext,
  request: { mall: Mall; credentials: ClientCredentials; params: Readonly<Record<string, string>>; meta?: RequestMeta },
): Promise<void> {
  const client = await authenticateClient(ctx, request.credentials);
  const token = required(request.params, 'token');
  // wire.md: Cafe24 sends token_hint, RFC 7009 token_type_hint; a hint only (§2.1: the server
  // may ignore it; an unknown hint value is not an error), so one lookup by hash serves both.
  const record = (await ctx.hasher.lookup(token, (h) => ctx.store.tokens.get(h)))?.found;
  const now = ctx.clock.now();
  if (!record || record.mallId !== request.mall.mallId) return;
  if (record.clientId !== client.clientId) {
    if (isLive(record, now) && record.rotatedAt === null) throw new OAuthError('invalid_request', 'the token was not issued to this client');
    return;
  }
  await ctx.store.transaction(async (store) => {
    await store.tokens.lockFamily(record);
    const revoked = await store.tokens.revokeFamily(record.familyId, now);
    if (revoked === 0) return;
    await ctx.audit.write(store, {
      type: 'token.revoked',
      mallId: record.mallId,
      clientId: record.clientId,
      userId: record.userId,
      ...request.meta,
      detail: { kind: record.kind, family_id: record.familyId, revoked },
    });
  });
}
