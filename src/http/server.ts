import { ApiError } from '../errors.js';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, { LogController, type FastifyInstance, type FastifyRequest, type RouteOptions } from 'fastify';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { createAppContext, type AppContext } from '../app-context.js';
import { OAuthError } from '../oauth/errors.js';
import { randomText } from '../oauth/secrets.js';
import type { Store } from '../store/types.js';
import { DEMO_CLIENT_ID, demoClientSecret } from '../demo.js';
import { ApiGuard } from '../api/guard.js';
import { emptyJsonIsNoBody } from './json-body.js';
import { dropUntrustedForwarding, trustFunction } from './forwarded.js';
import { openSharedState, type SharedState } from '../shared-state/index.js';
import { LOGIN_LIMITS, LoginThrottle } from '../throttle/login-throttle.js';
import { TokenLimiter } from '../throttle/token-limits.js';
import { Purger, purgeSettings } from '../ops/purge.js';
import { WebhookWorker, type WebhookWorkerOptions } from '../webhooks/worker.js';
import { apiRoutes } from '../dialects/cafe24/routes.js';
import { openApi } from './openapi.js';
import { demoRoutes } from './demo-routes.js';
import { authorizeRoutes } from './authorize-routes.js';
import { consoleRoutes } from './console-routes.js';
import { pageAssetRoutes } from './pages.js';
import { developerRoutes } from './developer-routes.js';
import { clientErrorResponse, sendError, toShopauthError } from './errors.js';
import { cafe24Errors } from '../dialects/cafe24/errors.js';
import { podErrors } from '../dialects/podshop/errors.js';
import { mallMetadataRoutes, rootMetadataRoutes } from './metadata-routes.js';
import { oauthRoutes } from './oauth-routes.js';
import { podRoutes } from '../dialects/podshop/routes.js';
import { MallCache, registerTenantRoutes } from './tenancy.js';
import { isStoreError, Metrics } from '../ops/metrics.js';
import { opsRoutes } from '../ops/routes.js';

export interface ServerOptions {
  config: Config;
  store: Store;
  clock: Clock;
  /** Log destination; false for none (tests). Logs are JSON lines with the request's trace_id. */
  log?: NodeJS.WritableStream | false;
  /** `serve --demo`: mount the demo app's pages (`/demo`, `/demo/callback`); off otherwise (issue 15, item 10). */
  demo?: boolean;
  /** Purge expired codes, tokens and sessions on a schedule (ops/purge.ts); `serve` runs it as a background job (ops/jobs.ts). */
  purge?: boolean;
  /** The webhook delivery worker's settings (webhooks/worker.ts). It is not started here: `serve` runs it as a background job (ops/jobs.ts); tests call `webhooks.tick()`. */
  webhooks?: Partial<WebhookWorkerOptions>;
  /** Node's default process metrics on /metrics (on unless false). */
  processMetrics?: boolean;
  /** Prefix of this server's keys in Redis (tests: one per server, so parallel suites do not meet). */
  sharedKeyPrefix?: string;
  /** Sees every route as it is registered (Fastify's onRoute hook, added before any route): test/http/openapi.test.ts. */
  onRoute?: (route: RouteOptions) => void;
}

export interface Server {
  app: FastifyInstance;
  ctx: AppContext;
  /** Rate-limit buckets and other state shared by instances (memory, or Redis with --redis). */
  shared: SharedState;
  /** The one pipeline of resource API calls (api/guard.ts): caller, bucket, scope, version. */
  guard: ApiGuard;
  /** Deletes expired codes, tokens and sessions; scheduled when `purge` is set (serve). */
  purger: Purger;
  /** Delivers webhooks from the outbox; `serve` starts it (a background job), tests tick it. */
  webhooks: WebhookWorker;
  /** The counters behind GET /metrics (ops/metrics.ts). */
  metrics: Metrics;
}

// Trace ids: 12 random bytes in hex, cut from the CSPRNG pool (oauth/secrets.ts): a slice of a
// buffer per request, not a call into OpenSSL (docs/performance.md).
const traceId = (): string => randomText(12, 'hex');

/** Assembles the HTTP server: routes translate HTTP to oauth/ and api/ and back. */
export async function buildServer(options: ServerOptions): Promise<Server> {
  const { config, store, clock } = options;
  const metrics = new Metrics({ storeDialect: store.dialect, sharedBackend: config.redisUrl ? 'redis' : 'memory', defaultMetrics: options.processMetrics !== false });
  const ctx = await createAppContext({ store, clock, lifetimes: config.lifetimes, secret: config.secret, secretFile: config.secretFile, metrics });
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
    genReqId: traceId,
    logController: new LogController({ requestIdLogLabel: 'trace_id' }),
    bodyLimit: 1024 * 1024,
    trustProxy: config.trustProxy === null ? false : trustFunction(config.trustProxy),
    routerOptions: { maxParamLength: 200 },
    return503OnClosing: true,
    // Rejections before any route (bytes that are not HTTP; an undecodable URL or an over-long path
    // parameter): the API's error shape with a trace id, like every other error (found by test/fuzz).
    clientErrorHandler: (err, socket) => clientErrorResponse(err, socket, traceId()),
    frameworkErrors: (err, req, reply) => {
      const status = err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : 400;
      const e = new OAuthError('invalid_request', status === 414 ? 'a path segment is too long' : 'the URL is malformed', { status });
      void sendError(req, reply.header('x-trace-id', req.id), e, cafe24Errors);
    },
  });
  if (options.onRoute) app.addHook('onRoute', options.onRoute);
  // Audit writes are off the request path; a failed one is logged, and the queue drains at close.
  ctx.audit.onError((err, dropped) => {
    metrics.storeError('audit');
    app.log.error({ err, dropped }, 'audit write failed');
  });
  app.addHook('onClose', () => ctx.audit.flush());
  app.decorate('shopauthPublicUrl', config.publicUrl);
  dropUntrustedForwarding(app, config.trustProxy);
  await app.register(cookie);
  await app.register(formbody);
  emptyJsonIsNoBody(app);
  // Shared state and the API guard, before any route; /openapi.json sees every route added after this.
  // The error's message only: a Redis URL may carry a password.
  // Redis unreachable: calls that need it are refused with 503 + Retry-After (fail closed,
  // docs/operations.md); one loud line when it goes and when it comes back, a count per failed call.
  const shared = openSharedState({
    redisUrl: config.redisUrl,
    ...(options.sharedKeyPrefix === undefined ? {} : { keyPrefix: options.sharedKeyPrefix }),
    onError: (err) => app.log.error({ message: err.message }, 'redis unavailable'),
    watch: {
      failed: () => metrics.sharedStateError(),
      changed: (up, err) => {
        metrics.sharedStateUp(up);
        if (up) app.log.warn('shared state (redis) answers again; rate limits and login throttles are back');
        else app.log.error({ message: (err as Error | undefined)?.message }, 'SHARED STATE (REDIS) UNREACHABLE: rate-limited routes and sign-in answer 503 with Retry-After until it is back');
      },
    },
  });
  app.addHook('onClose', () => shared.close());
  const limiter = config.tokenRateLimit === null ? undefined : new TokenLimiter(shared.bucket, clock, config.tokenRateLimit, (err) => app.log.error({ err }, 'token rate limiter unavailable'));
  const guard = new ApiGuard(ctx, shared.bucket, config, limiter, shared.usage);
  const purger = new Purger(store, clock, (err) => {
    if (isStoreError(err)) metrics.storeError('purge');
    app.log.error({ err }, 'purge failed');
  }, purgeSettings(config.auditRetentionDays));
  if (options.purge) purger.start();
  app.addHook('onClose', () => purger.stop());
  const webhooks = new WebhookWorker(ctx, options.webhooks ?? {}, (err) => app.log.error({ err }, 'webhook delivery failed'));
  metrics.watchWebhooks(() => webhooks.metrics());
  app.addHook('onClose', () => webhooks.stop());
  // Login throttling per account and per address, in the same shared buckets (throttle/login-throttle.ts).
  const loginThrottle = new LoginThrottle(shared.bucket, clock, LOGIN_LIMITS, (err) => app.log.error({ err }, 'login throttle unavailable'));
  await openApi(app, { title: 'shopauth', version: '0.1.0' });

  // A callback hook, not an async one: no promise per request for a header.
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-trace-id', req.id);
    done();
  });
  // The one metrics hook: the route pattern (never the raw URL: bounded label values), method,
  // status and Fastify's own elapsed time, counted in plain numbers (ops/metrics.ts).
  app.addHook('onResponse', (req, reply, done) => {
    metrics.request(req.routeOptions.url ?? 'unmatched', req.method, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  app.setErrorHandler((err, req, reply) => {
    const e = toShopauthError(err);
    if (e.status >= 500) {
      if (isStoreError(err)) metrics.storeError('request');
      req.log.error({ err }, 'request failed');
    }
    // A route says its dialect; before one is found (a body the not-found route could not parse),
    // /ac/ paths are POD Shop's, as their not-found answer is (dialects/podshop/routes.ts).
    return sendError(req, reply, e, req.routeOptions.config?.errors ?? (/^(\/malls\/[^/]+)?\/ac\//.test(req.url) ? podErrors : cafe24Errors));
  });
  app.setNotFoundHandler((req, reply) => sendError(req, reply, new ApiError('not_found', 'no such resource'), cafe24Errors));

  // wire.md, Tenancy: the issuer of a mall is {base}/malls/{mall_id}.
  const baseOf = (req: FastifyRequest) => config.publicUrl ?? `${req.protocol}://${req.host}`;
  const issuerOf = (req: FastifyRequest) => `${baseOf(req)}/malls/${req.mall.mallId}`;
  app.register(opsRoutes({ store, shared, metrics, metricsToken: config.metricsToken }));
  app.register(pageAssetRoutes);
  app.register(developerRoutes(ctx, { throttle: loginThrottle }));
  if (options.demo) app.register(demoRoutes({ clientId: DEMO_CLIENT_ID, baseOf, launchSecret: demoClientSecret(ctx.serverKey) }));
  const malls = new MallCache(store, clock);
  app.register(podRoutes(ctx, { baseOf, guard, limiter, malls }));
  // RFC 8414 metadata: at the root with the issuer path appended, and under the mall (below).
  await app.register(rootMetadataRoutes({ baseOf, issuerOf, fixedIssuer: config.publicUrl !== null, findMall: (id) => malls.get(id) }));
  await registerTenantRoutes(app, malls, config.mallDomain, async (scope) => {
    await scope.register(mallMetadataRoutes({ baseOf, issuerOf, fixedIssuer: config.publicUrl !== null }));
    await scope.register(authorizeRoutes(ctx, issuerOf, { throttle: loginThrottle }));
    await scope.register(consoleRoutes(ctx, { throttle: loginThrottle, usage: shared.usage }));
    await scope.register(oauthRoutes(ctx, issuerOf, limiter));
    await scope.register(apiRoutes(ctx, guard));
  });
  return { app, ctx, shared, guard, purger, webhooks, metrics };
}
