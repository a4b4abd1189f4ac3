import { randomBytes } from 'node:crypto';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, { LogController, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { createOAuthContext, type OAuthContext } from '../oauth/context.js';
import { OAuthError } from '../oauth/errors.js';
import type { Store } from '../store/types.js';
import { DEMO_CLIENT_ID } from '../demo.js';
import { apiRoutes } from './api-routes.js';
import { demoRoutes } from './demo-routes.js';
import { authorizeRoutes } from './authorize-routes.js';
import { sendError, toOAuthError } from './errors.js';
import { oauthRoutes } from './oauth-routes.js';
import { MallCache, registerTenantRoutes } from './tenancy.js';

export interface ServerOptions {
  config: Config;
  store: Store;
  clock: Clock;
  /** Log destination; false for none (tests). Logs are JSON lines with the request's trace_id. */
  log?: NodeJS.WritableStream | false;
}

export interface Server {
  app: FastifyInstance;
  ctx: OAuthContext;
}

/** Assembles the HTTP server: routes translate HTTP to oauth/ and api/ and back. */
export async function buildServer(options: ServerOptions): Promise<Server> {
  const { config, store, clock } = options;
  const ctx = await createOAuthContext({ store, clock, lifetimes: config.lifetimes, secret: config.secret });
  const app = Fastify({
    logger:
      options.log === false
        ? false
        : {
            level: config.logLevel,
            stream: options.log ?? process.stderr,
            // Paths only: query strings may carry refresh tokens (POD Shop's refreshToken=).
            serializers: {
              req: (req: { method: string; url: string; ip?: string }) => ({ method: req.method, path: req.url.split('?')[0], ip: req.ip }),
            },
            redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], remove: true },
          },
    genReqId: () => randomBytes(12).toString('hex'),
    logController: new LogController({ requestIdLogLabel: 'trace_id' }),
    bodyLimit: 1024 * 1024,
    trustProxy: config.trustProxy,
    routerOptions: { maxParamLength: 200 },
    return503OnClosing: true,
  });
  await app.register(cookie);
  await app.register(formbody);

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-trace-id', req.id);
  });
  app.setErrorHandler((err, req, reply) => {
    const e = toOAuthError(err);
    if (e.status >= 500) req.log.error({ err }, 'request failed');
    return sendError(req, reply, e, req.routeOptions.config?.dialect ?? 'api');
  });
  app.setNotFoundHandler((req, reply) => sendError(req, reply, new OAuthError('not_found', 'no such resource'), 'api'));

  // wire.md, Tenancy: the issuer of a mall is {base}/malls/{mall_id}.
  const issuerOf = (req: FastifyRequest) => `${config.publicUrl ?? `${req.protocol}://${req.host}`}/malls/${req.mall.mallId}`;
  app.register(demoRoutes({ clientId: DEMO_CLIENT_ID, baseOf: (req) => config.publicUrl ?? `${req.protocol}://${req.host}` }));
  const malls = new MallCache(store);
  await registerTenantRoutes(app, malls, config.mallDomain, async (scope) => {
    await scope.register(authorizeRoutes(ctx, issuerOf));
    await scope.register(oauthRoutes(ctx, issuerOf));
    await scope.register(apiRoutes(ctx));
  });
  return { app, ctx };
}
