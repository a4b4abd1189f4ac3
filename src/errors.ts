/**
 * The error model's core. Every error the server answers with is a ShopauthError: a stable `code`
 * (a string-literal union per family, as jose's errors carry), a human `description`, the HTTP
 * `status` and any `headers`. Code decides by `code` (or by class), never by wording. One class per
 * family: OAuthError (RFC 6749/6750/7009, oauth/errors.ts), ApiError (the resource server, below),
 * PodError (POD Shop's own bodies, dialects/podshop/errors.ts). How an error is written is the
 * route's choice of writer (http/errors.ts), not the class's.
 */
export abstract class ShopauthError<C extends string = string> extends Error {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;

  protected constructor(
    readonly code: C,
    readonly description: string,
    status: number,
    headers: Record<string, string> = {},
  ) {
    super(description);
    this.status = status;
    this.headers = headers;
  }

  /** The error's name as people and pages see it; OAuthError maps its codes onto RFC 6749's names. */
  get error(): string {
    return this.code;
  }

  /** The same error (same class, code and text) with more headers, e.g. the rate-limit headers of api/guard.ts. */
  withHeaders(extra: Record<string, string>): this {
    const copy = Object.create(Object.getPrototypeOf(this) as object) as this;
    Object.assign(copy, this, { headers: { ...this.headers, ...extra } });
    Object.defineProperty(copy, 'stack', { value: this.stack, writable: true, configurable: true });
    return copy;
  }
}

/** Codes of the resource server (wire.md, Admin API errors), whatever dialect writes them. */
export type ApiErrorCode =
  | 'not_found'
  | 'method_not_allowed'
  | 'invalid_parameter'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'token_expired';

const apiStatus: Record<ApiErrorCode, number> = {
  not_found: 404,
  method_not_allowed: 405,
  invalid_parameter: 422,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  token_expired: 401,
};

/**
 * A resource error: a record that does not exist, a parameter out of range, a change that changes
 * nothing, a limit reached. Dialect-neutral: the Cafe24 writer, the POD Shop writer and the page
 * writer each give it their shape.
 * @example throw new ApiError('invalid_parameter', 'limit must be between 1 and 100');
 */
export class ApiError extends ShopauthError<ApiErrorCode> {
  constructor(code: ApiErrorCode, description: string, options: { status?: number; headers?: Record<string, string> } = {}) {
    super(code, description, options.status ?? apiStatus[code], options.headers);
    this.name = 'ApiError';
  }
}
