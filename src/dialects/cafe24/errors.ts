import type { ErrorWriter } from '../../http/errors.js';

/**
 * Cafe24 Admin API JSON, `{"error":{"code","message","more_info"}}` (wire.md, Admin API errors).
 * Also the server's default, where no route has chosen (not found, malformed URLs, /metrics).
 */
export const cafe24Errors: ErrorWriter = {
  dialect: 'api',
  write: (_req, reply, err, traceId) => reply.send({ error: { code: err.status, message: err.description, more_info: {}, trace_id: traceId } }),
};
