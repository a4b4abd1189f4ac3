import { OAuthError } from '../errors.js';
import { parseScopes, requireSubset } from '../scopes.js';
import type { AppContext } from '../../app-context.js';
import { issueTokenPair, type IssueOptions } from '../tokens/issue.js';
import { required, type GrantHandler, type TokenRequest } from './grant.js';

const invalidGrant = (why: string) => new OAuthError('invalid_grant', why);

/**
 * RFC 6749 §6 with rotation (wire.md: the old refresh token stops working at once, the 2-week
 * window restarts). A rotated token presented again revokes its whole family (RFC 9700 §4.14.2).
 * Everything happens under the family's lock (docs/store.md, "Lock order"): of concurrent
 * refreshes exactly one rotates, and a revocation either sees the new pair or comes first.
 */
export const refreshTokenGrant = {
  grantType: 'refresh_token',

  // `options`: POD Shop's refresh (dialects/podshop/tokens.ts) reuses this rotation for its JWTs and lifetimes.
  async handle(ctx: AppContext, { mall, issuer, client, params, meta }: TokenRequest, options: Omit<IssueOptions, 'store'> = {}) {
    const presented = required(params, 'refresh_token');
    const requestedScope = params.scope;
    const now = ctx.clock.now();
    const outcome = await ctx.store.transaction(async (store) => {
      // The stored hash may be under a previous server key (server-keys.ts): found, then rotated as stored.
      const found = await ctx.hasher.lookup(presented, (h) => store.tokens.get(h));
      const hash = found?.hash ?? '';
      const token = found?.found;
      // Checked before locking: a token of another client or mall is not touched (RFC 6749 §6).
      if (!token || token.kind !== 'refresh' || token.clientId !== client.clientId || token.mallId !== mall.mallId) {
        return invalidGrant('the refresh token is invalid');
      }
      // The owner first, then the token rows; everything below reads what the lock protects.
      const ownerLive = await store.tokens.lockFamily(token);
      const rotation = await store.tokens.rotate(hash, now);
      if (rotation.status === 'unknown') return invalidGrant('the refresh token is invalid');
      if (rotation.status === 'dead') {
        return rotation.token.revokedAt === null ? new OAuthError('refresh_token_expired', 'the refresh token has expired') : invalidGrant('the refresh token has been revoked');
      }
      const who = { mallId: mall.mallId, clientId: client.clientId, userId: token.userId, ...meta };
      if (rotation.status === 'reused') {
        // Optional grace (SHOPAUTH_REFRESH_GRACE_SECONDS, off by default; docs/security.md): a
        // token rotated less than the grace ago may be exchanged ONCE more (issue 15, item 6);
        // the pair it was first rotated into is revoked, so one chain stays live. Past the grace,
        // or a second time, it is reuse (RFC 9700 §4.14.2).
        // `now` was read before the lock: a rotation that won the lock may be later than it, so
        // "rotated less than the grace ago" needs a grace at all (with none, it read as -1 ms < 0).
        const rotatedAt = rotation.token.rotatedAt ?? now;
        const grace = ctx.lifetimes.refreshGraceMs;
        const inGrace = ownerLive && grace > 0 && now - rotatedAt < grace;
        if (inGrace && (await store.tokens.retryRotated(hash, now))) {
          await ctx.audit.write(store, { type: 'refresh.grace_retry', ...who, detail: { family_id: token.familyId, rotated_ms_ago: now - rotatedAt } });
        } else {
          const revoked = await store.tokens.revokeFamily(token.familyId, now);
          await ctx.audit.write(store, { type: 'refresh.reuse_detected', ...who, detail: { family_id: token.familyId, revoked } });
          return invalidGrant('the refresh token has already been used; its token family is revoked');
        }
      }
      // Thrown, not returned: the rotation above rolls back with it.
      if (!ownerLive) throw token.grantId !== null ? invalidGrant('the grant has been revoked') : invalidGrant('the refresh token has been revoked');
      let scopes = token.scopes;
      if (requestedScope !== undefined) {
        // RFC 6749 §6: a narrower scope may be asked for, never a wider one.
        scopes = parseScopes(requestedScope);
        if (scopes.length === 0) throw new OAuthError('invalid_scope', 'scope is empty; omit it to keep the granted scope');
        requireSubset(scopes, token.scopes);
      }
      return issueTokenPair(
        ctx,
        { issuer, mallId: mall.mallId, clientId: client.clientId, userId: token.userId, scopes, grantId: token.grantId, familyId: token.familyId },
        { ...options, store, parentHash: hash },
      );
    });
    if (outcome instanceof OAuthError) throw outcome;
    return outcome;
  },
} satisfies GrantHandler;
