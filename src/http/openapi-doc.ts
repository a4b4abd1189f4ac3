/**
 * What a route documents for /openapi.json (http/openapi.ts) beside its `schema`: what it parses or
 * writes by hand, in `config.openapi`. Documentation only, never compiled by Fastify, so it cannot
 * change the wire. A leaf module: the route files import it.
 */
type Json = Record<string, unknown>;

/** What a route documents without Fastify compiling it (same keys as a FastifySchema; responses by status). */
export interface OperationDoc {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  consumes?: string[];
  body?: Json;
  querystring?: Json;
  params?: Json;
  response?: Record<string, Json>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Documentation only (http/openapi.ts): never used to validate or serialize. */
    openapi?: OperationDoc;
  }
}

// ---- helpers for the routes' docs ----------------------------------------------------------------

/** A JSON answer; `headers` maps a header name to its schema (with an optional description). */
export const jsonAnswer = (schema: Json, description: string, headers?: Json): Json => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema } },
});
/** An HTML page. */
export const htmlPage = (description: string): Json => ({ description, content: { 'text/html': { schema: { type: 'string' } } } });
/** A redirect (no body worth reading): `type: 'null'` is swagger's "no content". */
export const redirect = (description: string): Json => ({ description, type: 'null', headers: { location: { type: 'string', description: 'Where to go next.' } } });
/** An `application/x-www-form-urlencoded` body. */
export const formBody = (properties: Json, required: string[] = []): Pick<OperationDoc, 'body' | 'consumes'> => ({
  consumes: ['application/x-www-form-urlencoded'],
  body: { type: 'object', properties, required },
});
export const text = (description: string): Json => ({ type: 'string', description });

/** RFC 6749 §5.1, §5.2 (and RFC 9700): no answer of a token endpoint is cached. */
export const NO_STORE = { 'Cache-Control': { type: 'string', enum: ['no-store'], description: 'no-store (RFC 6749 §5.1), on errors too.' } };

