import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, ShopauthError } from '../errors.js';
import { OAuthError, wireDescription } from '../oauth/errors.js';
import { StoreBusyError } from '../store/types.js';

/**
 * How errors are written on a route: one writer per dialect, chosen by the route itself (route
 * config `errors`). `dialect` names the shape for the generated document (openapi.ts). The status
 * and the error's headers are set before `write` is called.
 */
export interface ErrorWriter {
  readonly dialect: string;
  write(req: FastifyRequest, reply: FastifyReply, err: ShopauthError, traceId: string): FastifyReply;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    errors?: ErrorWriter;
  }
}

/** Anything thrown, as a ShopauthError: framework errors keep their 4xx, the rest is a 500 that says nothing. */
export function toShopauthError(err: unknown): ShopauthError {
  if (err instanceof ShopauthError) return err;
  // The store retried the transaction and the database still aborted it (docs/store.md): temporary.
  if (err instanceof StoreBusyError) return new OAuthError('temporarily_unavailable', 'the server is busy; retry shortly', { headers: { 'retry-after': '1' } });
  const e = err as { statusCode?: number; code?: string };
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new ApiError('payload_too_large', 'the request body is too large');
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new ApiError('unsupported_media_type', 'this Content-Type is not accepted here');
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new OAuthError('invalid_request', e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? 'the JSON body is malformed' : 'the request is malformed', {
      status: e.statusCode,
    });
  }
  return new OAuthError('server_error', 'an internal error occurred; quote the trace_id to the operator of this server');
}

// RFC 6749 §5.2 knows only its own names; other errors travel as invalid_request there.
const OAUTH_NAMES = new Set([
  'invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type',
  'invalid_scope', 'server_error', 'temporarily_unavailable', 'unsupported_token_type', 'access_denied',
]);

/** RFC 6749 §5.2 JSON (token, revocation, introspection endpoints). */
export const oauthErrors: ErrorWriter = {
  dialect: 'oauth',
  write(_req, reply, err, traceId) {
    const name = err instanceof OAuthError && OAUTH_NAMES.has(err.error) ? err.error : 'invalid_request';
    if (name === 'invalid_client') reply.header('www-authenticate', 'Basic realm="shopauth"');
    return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send({ error: name, error_description: wireDescription(err.description), trace_id: traceId });
  },
};

/** The one place an error is written to the wire, by the writer the route chose. */
export function sendError(req: FastifyRequest, reply: FastifyReply, err: ShopauthError, writer: ErrorWriter): FastifyReply {
  reply.code(err.status).headers(err.headers);
  return writer.write(req, reply, err, req.id);
}

/**
 * Bytes that are not HTTP at all (Node's parser gave up: a malformed request line, headers too
 * large, a timeout): answered on the raw socket, still in the API's error shape with a trace id.
 */
export function clientErrorResponse(err: NodeJS.ErrnoException, socket: import('node:stream').Duplex, traceId: string): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, message] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Request Timeout', 'the request took too long']
    : err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large', 'the request headers are too large']
    : [400, 'Bad Request', 'the request is not valid HTTP'];
  const body = JSON.stringify({ error: { code: status, message, more_info: {}, trace_id: traceId } });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `x-trace-id: ${traceId}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
