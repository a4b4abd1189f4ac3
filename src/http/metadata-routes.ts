import { ApiError } from '../errors.js';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { authorizationServerMetadata } from '../oauth/metadata.js';
import type { Mall } from '../store/types.js';
import { sendError } from './errors.js';
import { cafe24Errors } from '../dialects/cafe24/errors.js';
import { jsonAnswer, type OperationDoc } from './openapi-doc.js';
import { apiErrorSchema } from '../dialects/cafe24/schemas.js';

export const METADATA_PATH = '/.well-known/oauth-authorization-server';

interface MetadataOptions {
  baseOf: (req: FastifyRequest) => string;
  issuerOf: (req: FastifyRequest) => string;
  findMall: (mallId: string) => Promise<Mall | undefined>;
  /** The issuer is fixed (--public-url), not taken from the request's Host. */
  fixedIssuer: boolean;
}

const url = { type: 'string', format: 'uri' };
const names = { type: 'array', items: { type: 'string' } };
/** RFC 8414 §2, as oauth/metadata.ts writes it (documentation only: the body is not serialized by a schema). */
const METADATA_DOC: OperationDoc = {
  summary: 'Authorization server metadata of the mall (RFC 8414 §3)',
  tags: ['oauth'],
  response: {
    200: jsonAnswer(
      {
        type: 'object',
        additionalProperties: false,
        required: ['issuer', 'authorization_endpoint', 'token_endpoint', 'jwks_uri', 'response_types_supported'],
        properties: {
          issuer: url, authorization_endpoint: url, token_endpoint: url, revocation_endpoint: url, introspection_endpoint: url, jwks_uri: url,
          scopes_supported: names, response_types_supported: names, response_modes_supported: names, grant_types_supported: names,
          token_endpoint_auth_methods_supported: names, revocation_endpoint_auth_methods_supported: names, introspection_endpoint_auth_methods_supported: names,
          code_challenge_methods_supported: names, authorization_response_iss_parameter_supported: { type: 'boolean' },
        },
      },
      'The metadata; every endpoint is under the mall\'s issuer {base}/malls/{mall_id}.',
    ),
    404: jsonAnswer(apiErrorSchema, 'No such mall, in the Cafe24 error shape.'),
  },
};
const config = { errors: cafe24Errors, openapi: METADATA_DOC };

function sendMetadata(reply: FastifyReply, base: string, issuer: string, fixedIssuer: boolean): FastifyReply {
  // With --public-url the document is the same for everyone: cacheable, readable cross-origin
  // (browser-based clients). Without it, it follows the Host (and a trusted proxy's
  // X-Forwarded-Host): a shared cache must not keep one host's answer for another (issue 15, item 2).
  if (fixedIssuer) reply.header('cache-control', 'public, max-age=300');
  else reply.header('cache-control', 'private, no-cache').header('vary', 'host, x-forwarded-host, x-forwarded-proto');
  return reply
    .header('access-control-allow-origin', '*')
    .send(authorizationServerMetadata(base, issuer));
}

/**
 * RFC 8414 §3: `/.well-known/oauth-authorization-server/malls/{mall_id}` (the well-known suffix
 * inserted before the issuer's path, §3.1). Registered at the root, outside the mall scope.
 */
export function rootMetadataRoutes(options: MetadataOptions): FastifyPluginAsync {
  return async (app) => {
    app.get(`${METADATA_PATH}/malls/:mall_id`, { config }, async (req, reply) => {
      const mall = await options.findMall((req.params as { mall_id: string }).mall_id);
      if (!mall) return sendError(req, reply, new ApiError('not_found', 'no such mall'), cafe24Errors);
      req.mall = mall;
      return sendMetadata(reply, options.baseOf(req), options.issuerOf(req), options.fixedIssuer);
    });
  };
}

/**
 * The same document at `/malls/{mall_id}/.well-known/oauth-authorization-server` (the form many
 * clients build by appending the suffix to the issuer), registered inside the mall scope.
 */
export function mallMetadataRoutes(options: Omit<MetadataOptions, 'findMall'>): FastifyPluginAsync {
  return async (app) => {
    app.get(METADATA_PATH, { config }, async (req, reply) => sendMetadata(reply, options.baseOf(req), options.issuerOf(req), options.fixedIssuer));
  };
}
