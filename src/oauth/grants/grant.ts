import type { App, Mall } from '../../store/types.js';
import type { AppContext } from '../../app-context.js';
import { OAuthError } from '../errors.js';
import type { IssuedTokens } from '../tokens/issue.js';

/** A token request after client authentication: the tenant, the client, the form parameters. */
export interface TokenRequest {
  mall: Mall;
  issuer: string;
  client: App;
  params: Readonly<Record<string, string>>;
  /** Who asked, for the audit log (audit/audit.ts). */
  meta?: RequestMeta;
}

/** The request's address and trace id, as the audit log records them. */
export interface RequestMeta {
  ip?: string;
  traceId?: string;
}

/** One module per grant type, all of this shape; oauth/token.ts only dispatches. */
export interface GrantHandler {
  readonly grantType: string;
  handle(ctx: AppContext, request: TokenRequest): Promise<IssuedTokens>;
}

/** A required parameter, or `invalid_request` naming it (RFC 6749 §5.2). */
export function required(params: Readonly<Record<string, string>>, name: string): string {
  const value = params[name];
  if (value === undefined || value === '') throw new OAuthError('invalid_request', `${name} is required`);
  return value;
}
