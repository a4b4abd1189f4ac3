/**
 * The one error model. Protocol and API code throw OAuthError; http/errors.ts is the one place
 * that writes it to the wire, in the shape of the route's dialect (RFC 6749 §5.2 JSON, an
 * authorization redirect, an HTML page, Cafe24 API or POD Shop JSON), adding the trace_id.
 */
export type ErrorCode =
  // RFC 6749 §4.1.2.1 and §5.2
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
  // RFC 7009 §2.2.1
  | 'unsupported_token_type'
  // RFC 6750 §3.1
  | 'invalid_token'
  | 'insufficient_scope'
  // resource API (wire.md, Admin API errors)
  | 'not_found'
  | 'method_not_allowed'
  | 'invalid_parameter'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'token_expired';

const defaultStatus: Record<ErrorCode, number> = {
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
  not_found: 404,
  method_not_allowed: 405,
  invalid_parameter: 422,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  token_expired: 401,
};

/**
 * @example
 * throw new OAuthError('invalid_grant', 'the authorization code has expired');
 * throw new OAuthError('invalid_parameter', "limit must be between 1 and 100", { status: 422 });
 */
export class OAuthError extends Error {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly error: ErrorCode,
    readonly description: string,
    options: { status?: number; headers?: Record<string, string> } = {},
  ) {
    super(description);
    this.name = 'OAuthError';
    this.status = options.status ?? defaultStatus[error];
    this.headers = options.headers ?? {};
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
