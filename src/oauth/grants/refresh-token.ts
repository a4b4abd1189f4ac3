import { OAuthError } from '../errors.js';
import { parseScopes, requireSubset } from '../scopes.js';
import { isLive, issueTokenPair } from '../tokens/issue.js';
import { required, type GrantHandler } from './grant.js';

const invalidGrant = (why: string) => new OAuthError('invalid_grant', why);

/**
 * RFC 6749 §6 with rotation (wire.md: the old refresh token stops working at once, the 2-week
 * window restarts). A rotated token presented again revokes its whole family (RFC 9700 §4.14.2).
 */
export const refreshTokenGrant: GrantHandler = {
  grantType: 'refresh_token',

  async handle(ctx, { mall, issuer, client, params }) {
    const presented = required(params, 'refresh_token');
    const requestedScope = params.scope;
    const now = ctx.clock.now();
    const hash = ctx.hasher.hash(presented);

    const outcome = await ctx.store.transaction(async (store) => {
      const token = await store.tokens.get(hash);
      // Checked before rotating: a token of another client or mall is not touched (RFC 6749 §6).
      if (!token || token.kind !== 'refresh' || token.clientId !== client.clientId || token.mallId !== mall.mallId) {
        return invalidGrant('the refresh token is invalid');
      }
      if (!isLive(token, now)) return invalidGrant(token.revokedAt === null ? 'the refresh token has expired' : 'the refresh token has been revoked');
      const rotation = await store.tokens.rotate(hash, now);
      if (rotation.status !== 'ok') {
        await store.tokens.revokeFamily(token.familyId, now);
        return invalidGrant('the refresh token has already been used; its token family is revoked');
      }
      if (token.grantId !== null) {
        const grant = await store.grants.get(token.grantId);
        if (!grant || grant.revokedAt !== null) return invalidGrant('the grant has been revoked');
      }
      let scopes = token.scopes;
      if (requestedScope !== undefined) {
        // RFC 6749 §6: a narrower scope may be asked for, never a wider one.
        scopes = parseScopes(requestedScope);
        requireSubset(scopes, token.scopes);
      }
      return issueTokenPair(
        ctx,
        { issuer, mallId: mall.mallId, clientId: client.clientId, userId: token.userId, scopes, grantId: token.grantId, familyId: token.familyId },
        { store },
      );
    });
    if (outcome instanceof OAuthError) throw outcome;
    return outcome;
  },
};
