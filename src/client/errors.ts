/**
 * Every error the SDK throws is a `ShopauthError` with a stable `code` (like jose's `JOSEError`):
 * branch on `error.code` or `instanceof`, never on the message. No message ever contains a token
 * or a secret.
 */

/**
 * The stable codes of the SDK's errors.
 *
 * @example
 * ```ts
 * import { ShopauthError } from 'shopauth/client';
 * try { await client.products.list(); } catch (e) {
 *   if (e instanceof ShopauthError && e.code === 'ERR_SESSION_ENDED') startLoginAgain();
 * }
 * ```
 */
export type ShopauthErrorCode =
  | 'ERR_AUTHORIZATION_DENIED'
  | 'ERR_STATE_MISMATCH'
  | 'ERR_ISSUER_MISMATCH'
  | 'ERR_CALLBACK_INVALID'
  | 'ERR_OAUTH_RESPONSE'
  | 'ERR_SESSION_ENDED'
  | 'ERR_NO_SESSION'
  | 'ERR_API_RESPONSE'
  | 'ERR_RATE_LIMITED'
  | 'ERR_INVALID_RESPONSE'
  | 'ERR_LOCK_TIMEOUT'
  | 'ERR_LAUNCH_INVALID'
  | 'ERR_LAUNCH_STALE';

/**
 * The base class of every SDK error.
 *
 * @example
 * ```ts
 * if (error instanceof ShopauthError) console.error(error.code, error.traceId);
 * ```
 */
export class ShopauthError extends Error {
  override name = 'ShopauthError';
  /** The server's trace id (`trace_id` / `X-Trace-Id`) when the server gave one: quote it to its operator. */
  readonly traceId: string | undefined;

  constructor(
    readonly code: ShopauthErrorCode,
    message: string,
    options: { traceId?: string | undefined; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.traceId = options.traceId;
  }
}

/**
 * The authorization server redirected back with `error=...` (RFC 6749 §4.1.2.1), e.g. the
 * operator denied access (`access_denied`).
 *
 * @example
 * ```ts
 * try { handleCallback(url, pending); } catch (e) {
 *   if (e instanceof AuthorizationDeniedError) res.end(`not allowed (${e.error}, trace ${e.traceId})`);
 * }
 * ```
 */
export class AuthorizationDeniedError extends ShopauthError {
  override name = 'AuthorizationDeniedError';
  constructor(
    /** The RFC 6749 error code: access_denied, invalid_scope, invalid_request, ... */
    readonly error: string,
    readonly description: string | undefined,
    traceId: string | undefined,
  ) {
    super('ERR_AUTHORIZATION_DENIED', `the authorization server answered ${error}${description ? `: ${description}` : ''}`, { traceId });
  }
}

/**
 * The callback is not the answer to the request this app made: `state` differs (RFC 6749 §10.12,
 * a CSRF attempt), `iss` differs (RFC 9207, a mix-up attack) or the redirect has no code.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof CallbackError && e.code === 'ERR_STATE_MISMATCH') res.statusCode = 400; }
 * ```
 */
export class CallbackError extends ShopauthError {
  override name = 'CallbackError';
  constructor(code: 'ERR_STATE_MISMATCH' | 'ERR_ISSUER_MISMATCH' | 'ERR_CALLBACK_INVALID', message: string) {
    super(code, message);
  }
}

/**
 * A token, revocation or introspection endpoint answered an RFC 6749 §5.2 error.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof OAuthResponseError && e.error === 'invalid_grant') askToLogInAgain(); }
 * ```
 */
export class OAuthResponseError extends ShopauthError {
  override name = 'OAuthResponseError';
  constructor(
    readonly status: number,
    /** The RFC 6749 §5.2 `error` (or POD Shop's message). */
    readonly error: string,
    readonly description: string | undefined,
    traceId: string | undefined,
    code: 'ERR_OAUTH_RESPONSE' | 'ERR_SESSION_ENDED' = 'ERR_OAUTH_RESPONSE',
  ) {
    super(code, `${status} ${error}${description ? `: ${description}` : ''}`, { traceId });
  }
}

/**
 * The refresh token was refused (expired, revoked, the grant removed): the session is over and
 * the operator must authorize the app again. The store has been cleared.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof SessionEndedError) redirectTo(authorizationUrl(...).url); }
 * ```
 */
export class SessionEndedError extends OAuthResponseError {
  override name = 'SessionEndedError';
  constructor(status: number, error: string, description: string | undefined, traceId: string | undefined) {
    super(status, error, description, traceId, 'ERR_SESSION_ENDED');
  }
}

/**
 * The token store holds no session: log in first.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof NoSessionError) console.log('run: shopauth login ...'); }
 * ```
 */
export class NoSessionError extends ShopauthError {
  override name = 'NoSessionError';
  constructor() {
    super('ERR_NO_SESSION', 'no session in the token store: authorize the app first');
  }
}

/**
 * The API answered an error status. `body` is the parsed JSON (Cafe24:
 * `{"error":{"code","message","more_info","trace_id"}}`; POD Shop: its own shapes).
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof ApiError && e.status === 404) return undefined; }
 * ```
 */
export class ApiError extends ShopauthError {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown,
    readonly headers: Headers,
    traceId: string | undefined,
    code: 'ERR_API_RESPONSE' | 'ERR_RATE_LIMITED' = 'ERR_API_RESPONSE',
  ) {
    super(code, `${status} ${message}`, { traceId });
  }
}

/**
 * Still 429 (or 503) after every retry.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof RateLimitedError) setTimeout(retryLater, (e.retryAfterSeconds ?? 1) * 1000); }
 * ```
 */
export class RateLimitedError extends ApiError {
  override name = 'RateLimitedError';
  constructor(status: number, message: string, body: unknown, headers: Headers, traceId: string | undefined, readonly retryAfterSeconds: number | undefined) {
    super(status, message, body, headers, traceId, 'ERR_RATE_LIMITED');
  }
}

/**
 * A server answered something that is not what the protocol says (not JSON, a field missing).
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof InvalidResponseError) console.error('is the base URL right?', e.status); }
 * ```
 */
export class InvalidResponseError extends ShopauthError {
  override name = 'InvalidResponseError';
  constructor(readonly status: number, message: string, traceId?: string) {
    super('ERR_INVALID_RESPONSE', message, { traceId });
  }
}

/**
 * The file token store's lock could not be taken in time (another process holds it and is alive).
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof LockTimeoutError) console.error('another process is stuck refreshing'); }
 * ```
 */
export class LockTimeoutError extends ShopauthError {
  override name = 'LockTimeoutError';
  constructor(readonly lockPath: string) {
    super('ERR_LOCK_TIMEOUT', `timed out waiting for the lock ${lockPath}`);
  }
}

/**
 * An App URL launch does not verify: a bad or missing `hmac` (`ERR_LAUNCH_INVALID`) or a
 * timestamp older than allowed (`ERR_LAUNCH_STALE`).
 *
 * @example
 * ```ts
 * try { verifyLaunch(query, secret); } catch (e) { if (e instanceof LaunchError) res.statusCode = 403; }
 * ```
 */
export class LaunchError extends ShopauthError {
  override name = 'LaunchError';
  constructor(code: 'ERR_LAUNCH_INVALID' | 'ERR_LAUNCH_STALE', message: string) {
    super(code, message);
  }
}
