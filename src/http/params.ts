import type { FastifyRequest } from 'fastify';
import { OAuthError, paramName } from '../oauth/errors.js';

/**
 * The form parameters of an OAuth request: `application/x-www-form-urlencoded` only
 * (RFC 6749 §3.2), each at most once (§3.1), all strings.
 */
export function formParams(req: FastifyRequest, except?: ReadonlySet<string>): Record<string, string> {
  const type = req.headers['content-type'];
  if (req.body === undefined || req.body === null) return {};
  if (!type?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    throw new OAuthError('invalid_request', 'Content-Type must be application/x-www-form-urlencoded');
  }
  const body = req.body as Record<string, unknown>;
  return singleValued(except ? Object.fromEntries(Object.entries(body).filter(([k]) => !except.has(k))) : body);
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

/**
 * The form of a console or developer-center page: like formParams, but the checkbox lists
 * (`scope`) may repeat and are left out here; read them with formList.
 */
export const pageParams = (req: FastifyRequest): Record<string, string> => formParams(req, PAGE_LISTS);
const PAGE_LISTS: ReadonlySet<string> = new Set(['scope']);

/** The values of a repeated form field (checkboxes), in order. */
export function formList(req: FastifyRequest, name: string): string[] {
  const value = ((req.body ?? {}) as Record<string, unknown>)[name];
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  if (!list.every((v): v is string => typeof v === 'string')) throw new OAuthError('invalid_request', `${name} is malformed`);
  return list;
}
