import { randomToken } from '../../oauth/secrets.js';
import type { App } from '../../store/types.js';
import type { AppContext } from '../../app-context.js';
import { OAuthError } from '../../oauth/errors.js';
import { refreshTokenGrant } from '../../oauth/grants/refresh-token.js';
import type { RequestMeta } from '../../oauth/grants/grant.js';
import { jwtFormat } from '../../oauth/tokens/jwt.js';
import { issueTokenPair, type IssuedTokens } from '../../oauth/tokens/issue.js';
import { signingKeysOf } from '../../oauth/tokens/signing-keys.js';

/** POD Shop lifetimes (wire.md): access token 1 hour, refresh token 14 days. */
export const POD_ACCESS_MS = 3600_000;
export const POD_REFRESH_MS = 14 * 24 * 3600_000;

type Credentials = App & { mallId: string };

/**
 * POD Shop's JWT format and lifetimes. The signing key is resolved first, outside any transaction:
 * when its cache is stale, loading it reads the store, and inside the refresh's transaction that
 * read would wait for the transaction itself (SQLite has one connection): the server hung.
 */
async function options(ctx: AppContext) {
  const signing = await signingKeysOf(ctx).signingKey();
  return { format: jwtFormat({ signingKey: async () => signing }), accessMs: POD_ACCESS_MS, refreshMs: POD_REFRESH_MS };
}

/**
 * `POST /ac/oauth/ext/token`: a JWT access token and a refresh token for authenticated API
 * credentials, the subject being the credentials themselves. Each call starts a new token family.
 */
export async function issuePodTokens(ctx: AppContext, client: Credentials, issuer: string, meta: RequestMeta = {}): Promise<IssuedTokens> {
  const issued = await issueTokenPair(
    ctx,
    { issuer, mallId: client.mallId, clientId: client.clientId, userId: client.clientId, scopes: client.scopes, grantId: null, familyId: randomToken(16) },
    await options(ctx),
  );
  ctx.audit.issued(issued, 'pod_shop_credentials', meta);
  return issued;
}

/** Why a POD Shop refresh failed, in POD Shop's words (wire.md, Errors seen). */
export type PodRefreshFailure = 'unknown' | 'expired';

/**
 * POD Shop's refresh: the rotation of the refresh_token grant (old token dead at once, reuse
 * revokes the family), issuing POD Shop's JWT and lifetimes. Failures are `{failure}`.
 */
export async function refreshPodTokens(
  ctx: AppContext,
  request: { client: Credentials; issuer: string; refreshToken: string; meta?: RequestMeta },
): Promise<IssuedTokens | { failure: PodRefreshFailure }> {
  const mall = await ctx.store.malls.get(request.client.mallId);
  if (!mall) return { failure: 'unknown' };
  const pod = await options(ctx);
  try {
    const issued = await refreshTokenGrant.handle(
      ctx,
      { mall, issuer: request.issuer, client: request.client, params: { refresh_token: request.refreshToken }, ...(request.meta ? { meta: request.meta } : {}) },
      pod,
    );
    ctx.audit.issued(issued, 'pod_shop_refresh', request.meta ?? {});
    return issued;
  } catch (error) {
    if (!(error instanceof OAuthError) || error.error !== 'invalid_grant') throw error;
    return { failure: error.code === 'refresh_token_expired' ? 'expired' : 'unknown' };
  }
}

/**
 * The token response (POD Shop document, 2.1): exactly these five fields. `expires_in` counts the
 * whole seconds left strictly below the lifetime, as POD Shop's 3599 and 1209599 do.
 */
export function podTokenBody(t: IssuedTokens): Record<string, unknown> {
  const seconds = (until: number) => Math.max(0, Math.ceil((until - t.issuedAt) / 1000) - 1);
  return {
    access_token: t.accessToken,
    token_type: 'bearer',
    expires_in: seconds(t.accessExpiresAt),
    refresh_token: t.refreshToken,
    refresh_expires_in: seconds(t.refreshExpiresAt),
  };
}
