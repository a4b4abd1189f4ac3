import { oauthErrors } from './errors.js';
import type { FastifyPluginAsync, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { TokenLimiter } from '../throttle/token-limits.js';
import type { AppContext } from '../app-context.js';
import { handleIntrospection } from '../oauth/introspect.js';
import { handleRevocation } from '../oauth/revoke.js';
import { cafe24TokenBody } from '../dialects/cafe24/token-response.js';
import { handleTokenRequest } from '../oauth/token.js';
import type { ClientCredentials } from '../oauth/client-auth.js';
import { formParams } from './params.js';

const credentialsOf = (req: FastifyRequest, params: Record<string, string>): ClientCredentials => ({
  authorization: req.headers.authorization,
  clientId: params.client_id,
  clientSecret: params.client_secret,
});

/** Server-to-server OAuth endpoints of a mall: token (RFC 6749 §3.2) and revocation (RFC 7009). */
export function oauthRoutes(ctx: AppContext, issuerOf: (req: FastifyRequest) => string, limiter?: TokenLimiter): FastifyPluginAsync {
  return async (app) => {
    const opts = { config: { errors: oauthErrors }, bodyLimit: 16 * 1024 };
    // Issue 15, item 8: per address before the body is parsed or anyone authenticated.
    const byAddress: onRequestAsyncHookHandler = async (req) => limiter?.address(req.ip);

    app.post('/api/v2/oauth/token', { ...opts, onRequest: byAddress }, async (req, reply) => {
      const params = formParams(req);
      const meta = { ip: req.ip, traceId: req.id };
      const issued = await handleTokenRequest(ctx, { mall: req.mall, issuer: issuerOf(req), credentials: credentialsOf(req, params), params, meta, ...(limiter ? { limitClient: (m: string, c: string) => limiter.client(m, c) } : {}) });
      // RFC 6749 §5.1: no caching of token responses.
      return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(cafe24TokenBody(issued, req.mall));
    });

    app.post('/api/v2/oauth/revoke', opts, async (req, reply) => {
      const params = formParams(req);
      await handleRevocation(ctx, { mall: req.mall, credentials: credentialsOf(req, params), params, meta: { ip: req.ip, traceId: req.id } });
      // wire.md: 200 with an empty body.
      return reply.header('cache-control', 'no-store').code(200).send('');
    });

    // RFC 7662 §2: introspection, for the calling client's own tokens only.
    app.post('/api/v2/oauth/introspect', opts, async (req, reply) => {
      const params = formParams(req);
      const answer = await handleIntrospection(ctx, { mall: req.mall, issuer: issuerOf(req), credentials: credentialsOf(req, params), params });
      return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(answer);
    });
  };
}
