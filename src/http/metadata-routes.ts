import { ApiError } from '../errors.js';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { authorizationServerMetadata } from '../oauth/metadata.js';
import type { Mall } from '../store/types.js';
import { sendError } from './errors.js';
import { cafe24Errors } from '../dialects/cafe24/errors.js';

export const METADATA_PATH = '/.well-known/oauth-authorization-server';

interface MetadataOptions {
  baseOf: (req: FastifyRequest) => string;
  issuerOf: (req: FastifyRequest) => string;
  findMall: (mallId: string) => Promise<Mall | undefined>;
  /** The issuer is fixed (--public-url), not taken from the request's Host. */
  fixedIssuer: boolean;
}

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
    app.get(`${METADATA_PATH}/malls/:mall_id`, { config: { errors: cafe24Errors } }, async (req, reply) => {
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
    app.get(METADATA_PATH, { config: { errors: cafe24Errors } }, async (req, reply) => sendMetadata(reply, options.baseOf(req), options.issuerOf(req), options.fixedIssuer));
  };
}
