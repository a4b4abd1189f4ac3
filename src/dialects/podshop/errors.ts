import { ShopauthError } from '../../errors.js';
import type { ErrorWriter } from '../../http/errors.js';

/**
 * POD Shop's error bodies (wire.md, POD Shop dialect, Errors seen). Two shapes are in use:
 * `{"status","error"}` for authentication and token failures, and
 * `{"errorKey","title","status","detail"}` for the rest. The trace id travels in `x-trace-id`.
 */
export type PodErrorCode = 'token_does_not_exist' | 'refresh_token_expired' | 'invalid_field';

export class PodError extends ShopauthError<PodErrorCode> {
  constructor(
    code: PodErrorCode,
    readonly body: Readonly<Record<string, unknown>> & { status: number },
  ) {
    super(code, String(body.detail ?? body.error ?? code), body.status);
    this.name = 'PodError';
  }
}

/** Refresh with an unknown, rotated, revoked or foreign refresh token. */
export const tokenDoesNotExist = () => new PodError('token_does_not_exist', { status: 401, error: 'this token does not exist' });

/** Refresh with a refresh token past its 14 days. */
export const refreshTokenExpired = () => new PodError('refresh_token_expired', { status: 401, error: 'This token has expired' });

/** A request parameter or body field that is wrong, named by its path, e.g. `orders[0].orderEntries[1].quantity`. */
export const invalidField = (field: string, why: string) =>
  new PodError('invalid_field', { errorKey: 'invalidParameter', title: 'Bad Request', status: 400, detail: `${field}: ${why}`, field });

const TITLES: Record<number, [string, string]> = {
  400: ['badRequest', 'Bad Request'],
  403: ['forbidden', 'Forbidden'],
  404: ['notFound', 'Not found'],
  405: ['methodNotAllowed', 'Method Not Allowed'],
  413: ['payloadTooLarge', 'Payload Too Large'],
  415: ['unsupportedMediaType', 'Unsupported Media Type'],
  422: ['invalidParameter', 'Bad Request'],
  429: ['tooManyRequests', 'Too Many Requests'],
  503: ['serviceUnavailable', 'Service Unavailable'],
};

/** The body of any error on a POD Shop route. */
export function podErrorBody(err: ShopauthError): Record<string, unknown> {
  if (err instanceof PodError) return { ...err.body };
  if (err.code === 'token_expired') {
    return { errorKey: 'tokenHasExpired', title: 'Jwt Invalid', status: 401, detail: 'this token has expired.' };
  }
  if (err.status === 401) {
    // A token was presented and is unknown, revoked or of another mall (RFC 6750 §3.1 invalid_token);
    // otherwise bad or missing credentials: 401 and nothing else revealed.
    const tokenPresented = err.code === 'invalid_token' && (err.headers['www-authenticate'] ?? '').includes('error=');
    return { status: 401, error: tokenPresented ? 'this token does not exist' : 'Unauthorized' };
  }
  const [errorKey, title] = TITLES[err.status] ?? (err.status >= 500 ? ['internalServerError', 'Internal Server Error'] : ['badRequest', 'Bad Request']);
  return { errorKey, title, status: err.status, detail: err.description };
}

/** POD Shop JSON (wire.md, POD Shop dialect); the trace id travels in `x-trace-id` only. */
export const podErrors: ErrorWriter = {
  dialect: 'pod',
  write: (_req, reply, err) => reply.send(podErrorBody(err)),
};
