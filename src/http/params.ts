import type { FastifyRequest } from 'fastify';
import { OAuthError, paramName } from '../oauth/errors.js';

/**
 * The form parameters of an OAuth request: `application/x-www-form-urlencoded` only
 * (RFC 6749 §3.2), each at most once (§3.1), all strings.
 */
export function formParams(req: FastifyRequest): Record<string, string> {
  const type = req.headers['content-type'];
  if (req.body === undefined || req.body === null) return {};
  if (!type?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    throw new OAuthError('invalid_request', 'Content-Type must be application/x-www-form-urlencoded');
  }
  return singleValued(req.body as Record<string, unknown>);
}

/** Rejects repeated parameters; returns a plain string map. */
export function singleValued(input: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, value] of Object.entries(input)) {
    if (typeof value !== 'string') throw new OAuthError('invalid_request', `${paramName(key)} is repeated`);
    out[key] = value;
  }
  return out;
}
