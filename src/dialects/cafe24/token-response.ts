import type { Mall } from '../../store/types.js';
import { localTime } from '../../time/local-time.js';
import type { IssuedTokens } from '../../oauth/tokens/issue.js';

/**
 * The token response of the Cafe24 dialect (wire.md, Token request) together with the
 * RFC 6749 §5.1 fields standard clients need (`expires_in`, `scope`).
 */
export function cafe24TokenBody(t: IssuedTokens, mall: Mall): Record<string, unknown> {
  return {
    access_token: t.accessToken,
    expires_at: localTime(t.accessExpiresAt, mall.timezone),
    refresh_token: t.refreshToken,
    refresh_token_expires_at: localTime(t.refreshExpiresAt, mall.timezone),
    client_id: t.clientId,
    mall_id: t.mallId,
    user_id: t.userId,
    scopes: t.scopes,
    issued_at: localTime(t.issuedAt, mall.timezone),
    shop_no: String(mall.shopNo),
    token_type: 'Bearer',
    expires_in: Math.round((t.accessExpiresAt - t.issuedAt) / 1000),
    scope: t.scopes.join(' '),
    refresh_token_expires_in: Math.round((t.refreshExpiresAt - t.issuedAt) / 1000),
  };
}
