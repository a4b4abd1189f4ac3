import { OAuthError } from '../errors.js';
import { verifyPkce } from '../pkce.js';
import { issueTokenPair } from '../tokens/issue.js';
import { required, type GrantHandler } from './grant.js';

const invalidGrant = (why: string) => new OAuthError('invalid_grant', why);

/** RFC 6749 §4.1.3: exchange of an authorization code. */
export const authorizationCodeGrant: GrantHandler = {
  grantType: 'authorization_code',

  async handle(ctx, { mall, issuer, client, params, meta }) {
    const code = required(params, 'code');
    const redirectUri = required(params, 'redirect_uri');
    const verifier = params.code_verifier;
    const now = ctx.clock.now();
    const codeHash = ctx.hasher.hash(code);

    const outcome = await ctx.store.transaction(async (store) => {
      const stored = await store.codes.get(codeHash);
      if (!stored) return invalidGrant('the authorization code is invalid');
      // Issue 15, item 5: another client's (or mall's) attempt neither consumes nor revokes anything.
      if (stored.clientId !== client.clientId || stored.mallId !== mall.mallId) return invalidGrant('the authorization code was not issued to this client');
      // The grant first, then the code and token rows (docs/store.md, "Lock order").
      const grantLive = await store.tokens.lockFamily({ grantId: stored.grantId, clientId: stored.clientId, familyId: stored.familyId });
      const consumed = await store.codes.consume(codeHash, { clientId: client.clientId, mallId: mall.mallId }, now);
      if (consumed.status === 'unknown') return invalidGrant('the authorization code is invalid');
      const c = consumed.code;
      if (consumed.status === 'replayed') {
        // RFC 6749 §4.1.2: a code used twice revokes every token issued from it.
        const revoked = await store.tokens.revokeFamily(c.familyId, now);
        await ctx.audit.write(store, { type: 'code.replay_detected', mallId: c.mallId, clientId: client.clientId, userId: c.userId, ...meta, detail: { family_id: c.familyId, revoked } });
        return invalidGrant('the authorization code has already been used');
      }
      if (c.expiresAt <= now) return invalidGrant('the authorization code has expired');
      // RFC 6749 §4.1.3: redirect_uri must be identical to the authorization request's.
      if (c.redirectUri !== redirectUri) return invalidGrant('redirect_uri does not match the authorization request');
      // RFC 7636 §4.6 and RFC 9700 §2.1.1: no verifier without a challenge, and the reverse.
      if (c.codeChallenge !== null) {
        if (verifier === undefined) return invalidGrant('code_verifier is required');
        if (!verifyPkce(verifier, c.codeChallenge)) return invalidGrant('code_verifier does not match the code_challenge');
      } else if (verifier !== undefined) {
        return invalidGrant('code_verifier sent but the authorization request had no code_challenge');
      }
      if (!grantLive) return invalidGrant('the grant has been revoked');
      return issueTokenPair(
        ctx,
        { issuer, mallId: mall.mallId, clientId: client.clientId, userId: c.userId, scopes: c.scopes, grantId: c.grantId, familyId: c.familyId },
        { store },
      );
    });
    if (outcome instanceof OAuthError) throw outcome;
    return outcome;
  },
};
