import { ShopauthError } from '../errors.js';

/** RFC 6749 §4.1.2.1 and §5.2, RFC 7009 §2.2.1, RFC 6750 §3.1: the names on the wire. */
export type RfcErrorName =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'unsupported_token_type'
  | 'invalid_token'
  | 'insufficient_scope';

/**
 * Stable codes of the OAuth family: RFC 6749's names, plus finer codes where callers must tell
 * cases apart that share one name on the wire (a refresh token past its lifetime is invalid_grant).
 */
export type OAuthErrorCode = RfcErrorName | 'refresh_token_expired';

const wireName: Partial<Record<OAuthErrorCode, RfcErrorName>> = { refresh_token_expired: 'invalid_grant' };

const defaultStatus: Record<RfcErrorName, number> = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  unsupported_response_type: 400,
  invalid_scope: 400,
  access_denied: 403,
  server_error: 500,
  temporarily_unavailable: 503,
  unsupported_token_type: 400,
  invalid_token: 401,
  insufficient_scope: 403,
};

/**
 * An OAuth protocol error (RFC 6749 §5.2, RFC 6750 §3.1, RFC 7009 §2.2.1). `error` is the RFC name
 * written to the wire; `code` is what code tests.
 * @example
 * throw new OAuthError('invalid_grant', 'the authorization code has expired');
 */
export class OAuthError extends ShopauthError<OAuthErrorCode> {
  constructor(code: OAuthErrorCode, description: string, options: { status?: number; headers?: Record<string, string> } = {}) {
    const name = wireName[code] ?? (code as RfcErrorName);
    super(code, description, options.status ?? defaultStatus[name], options.headers);
    this.name = 'OAuthError';
  }

  /** The RFC name on the wire. */
  override get error(): RfcErrorName {
    return wireName[this.code] ?? (this.code as RfcErrorName);
  }
}

/** Longest error_description written to the wire; longer ones are cut (issue 15, item 7). */
export const MAX_DESCRIPTION = 200;

/**
 * RFC 6749 §4.1.2.1 and §5.2: error_description is limited to %x20-21 / %x23-5B / %x5D-7E (no `"`,
 * no `\`, nothing outside printable ASCII). Any other character becomes `?`, and the text is cut
 * to MAX_DESCRIPTION characters, so a parameter name an attacker chose cannot put arbitrary text
 * of any length onto a redirect or a JSON error.
 */
export function wireDescription(description: string): string {
  const clean = description.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '?');
  return clean.length <= MAX_DESCRIPTION ? clean : `${clean.slice(0, MAX_DESCRIPTION - 3)}...`;
}

/** A parameter name quoted in an error description: at most 40 characters (the rest is the client's). */
export const paramName = (name: string): string => (name.length <= 40 ? name : `${name.slice(0, 40)}...`);
