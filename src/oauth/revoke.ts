import type { Mall } from '../store/types.js';
import { authenticateClient, type ClientCredentials } from './client-auth.js';
import type { OAuthContext } from './context.js';
import { required } from './grants/grant.js';

/**
 * RFC 7009 §2.1 and wire.md (Revocation): revokes the token and its family, so revoking an access
 * token also revokes its refresh token. Unknown tokens, and tokens of other clients, get the same
 * 200 (§2.2) so a client learns nothing about them.
 */
export async function handleRevocation(
  ctx: OAuthContext,
  request: { mall: Mall; credentials: ClientCredentials; params: Readonly<Record<string, string>> },
): Promise<void> {
  const client = await authenticateClient(ctx, request.credentials);
  const token = required(request.params, 'token');
  // wire.md: Cafe24 sends token_hint, RFC 7009 token_type_hint; a hint only, so one lookup serves both.
  const record = await ctx.store.tokens.get(ctx.hasher.hash(token));
  if (!record || record.clientId !== client.clientId || record.mallId !== request.mall.mallId) return;
  await ctx.store.tokens.revokeFamily(record.familyId, ctx.clock.now());
}
