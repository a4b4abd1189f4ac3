import type { Mall } from '../store/types.js';
import { authenticateClient, type ClientCredentials } from './client-auth.js';
import type { AppContext } from '../app-context.js';
import { OAuthError } from './errors.js';
import { authorizationCodeGrant } from './grants/authorization-code.js';
import type { GrantHandler, RequestMeta } from './grants/grant.js';
import { refreshTokenGrant } from './grants/refresh-token.js';
import type { IssuedTokens } from './tokens/issue.js';

/** The grants of `POST /api/v2/oauth/token`; a new grant is a new module and one entry here. */
const grants = new Map<string, GrantHandler>([authorizationCodeGrant, refreshTokenGrant].map((g) => [g.grantType, g]));

/** RFC 6749 §3.2: authenticate the client, then dispatch on grant_type. */
export async function handleTokenRequest(
  ctx: AppContext,
  request: {
    mall: Mall;
    issuer: string;
    credentials: ClientCredentials;
    params: Readonly<Record<string, string>>;
    meta?: RequestMeta;
    /** Rate limit per authenticated client (token-limits.ts), before any grant runs. */
    limitClient?: (mallId: string, clientId: string) => Promise<void>;
  },
): Promise<IssuedTokens> {
  const grantType = request.params.grant_type;
  if (grantType === undefined || grantType === '') throw new OAuthError('invalid_request', 'grant_type is required');
  const handler = grants.get(grantType);
  const client = await authenticateClient(ctx, request.credentials);
  await request.limitClient?.(request.mall.mallId, client.clientId);
  // Named back only when it reads as a grant type name (RFC 6749 §4.5: a-z, _, -, :, .): a misplaced
  // secret sent as grant_type must not come back in the error (found by test/fuzz).
  if (!handler) throw new OAuthError('unsupported_grant_type', /^[a-z_:.-]{1,60}$/.test(grantType) ? `grant_type ${grantType} is not supported` : 'grant_type is not supported');
  if (client.kind !== 'app') throw new OAuthError('unauthorized_client', 'API credentials use the POD Shop token endpoint');
  if (client.mallId !== null && client.mallId !== request.mall.mallId) throw new OAuthError('invalid_grant', 'this client is not registered for this mall');
  const meta = request.meta ?? {};
  const issued = await handler.handle(ctx, { mall: request.mall, issuer: request.issuer, client, params: request.params, meta });
  ctx.audit.issued(issued, grantType, meta);
  return issued;
}
