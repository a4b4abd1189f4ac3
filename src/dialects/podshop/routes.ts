import { ApiError } from '../../errors.js';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, FastifySchema, onRequestAsyncHookHandler, onSendHookHandler } from 'fastify';
import type { ApiGuard } from '../../api/guard.js';
import { createPodOrders, listPodOrders, podOrdersOf, podOrderView, PodFieldError, type PodOrdersBody } from './orders.js';
import * as P from './schemas.js';
import type { AppContext } from '../../app-context.js';
import { authenticateCredentials, badCredentials } from '../../registry/credentials.js';
import { issuePodTokens, podTokenBody, refreshPodTokens } from './tokens.js';
import { signingKeysOf } from '../../oauth/tokens/signing-keys.js';
import type { Mall } from '../../store/types.js';
import { guardRequest } from '../cafe24/routes.js';
import { sendError } from '../../http/errors.js';
import { cafe24Errors } from '../cafe24/errors.js';
import { invalidField, podErrors, refreshTokenExpired, tokenDoesNotExist } from './errors.js';
import { podValidatorCompiler } from './validation.js';
import type { MallCache } from '../../http/tenancy.js';
import type { TokenLimiter } from '../../throttle/token-limits.js';
import { jsonAnswer, NO_STORE, type OperationDoc } from '../../http/openapi-doc.js';

interface PodOptions {
  /** The server's base URL for this request (public URL or the request's own). */
  baseOf: (req: FastifyRequest) => string;
  /** The one API pipeline (caller, rate limit, scope) the Cafe24-style API runs too. */
  guard: ApiGuard;
  /** Token endpoint limits per address and per credentials (issue 15, item 8). */
  limiter?: TokenLimiter | undefined;
  /** The server's one mall cache (http/tenancy.ts). */
  malls: MallCache;
}

/** The path forms of every `/ac/...` route: at the root as on api.pod.shop (the credentials name the mall), and under the mall. */
const PREFIXES = ['/ac', '/malls/:mall_id/ac'] as const;

/** The mall of a `/malls/{mall_id}/ac/...` request (set by the scope's hook); undefined at the root. */
const pathMall = (req: FastifyRequest) => (req as { mall?: Mall }).mall;

// RFC 6749 §5.1 and §5.2, RFC 9700: no answer of a token endpoint is cached, its errors included.
const noStore: onSendHookHandler = (_req, reply, payload, done) => {
  reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
  done(null, payload);
};

/** Error bodies of the orders API (docs/podshop.md, Errors on /ac/...), for the document and the serializer. */
const API_ERRORS = { 400: P.podProblemSchema, 401: P.podUnauthorizedSchema, 403: P.podProblemSchema, 404: P.podProblemSchema, 429: P.podProblemSchema };

// The token endpoints parse by hand and write their bodies themselves: described for /openapi.json only (http/openapi.ts).
const TOKEN_ANSWERS = {
  200: jsonAnswer(P.podTokenSchema, 'POD Shop token response (document 2.1).', NO_STORE),
  400: jsonAnswer(P.podProblemSchema, 'invalidParameter (refreshToken) or badRequest (malformed JSON), in the POD Shop shape.', NO_STORE),
  401: jsonAnswer(P.podStatusErrorSchema, 'Bad credentials: {"status":401,"error":"Unauthorized"} with WWW-Authenticate: Basic; a refresh token unknown, rotated or revoked: "this token does not exist"; past 14 days: "This token has expired".', NO_STORE),
  404: jsonAnswer(P.podProblemSchema, 'No such mall (the /malls/{mall_id} form).', NO_STORE),
  429: jsonAnswer(P.podProblemSchema, 'Too many token requests (Retry-After).', NO_STORE),
};
const TOKEN_DOC: OperationDoc = {
  summary: 'POD Shop access token (document 2.1): Basic API credentials in, a JWT access token and a refresh token out',
  description: 'Each call starts a new token family. The credentials name the mall.',
  tags: ['pod'],
  security: [{ basic: [] }],
  response: TOKEN_ANSWERS,
};
const refreshDoc = (summary: string, description: string, withId: boolean): OperationDoc => ({
  summary,
  description,
  tags: ['pod'],
  security: [{ basic: [] }],
  ...(withId ? { params: { type: 'object', properties: { id: { type: 'string', description: 'The client ID of the Basic credentials.' } } } } : {}),
  querystring: { type: 'object', properties: { refreshToken: { type: 'string', description: 'The refresh token, when not in the body.' } } },
  consumes: ['application/json', 'application/x-www-form-urlencoded'],
  body: { type: 'object', description: 'Optional when refreshToken is in the query string.', properties: { refreshToken: { type: 'string', description: 'The refresh token; in the query string or the body (given in both, they must agree). Rotated on use.' } } },
  response: TOKEN_ANSWERS,
});
const JWKS_DOC: OperationDoc = {
  summary: 'JWK Set of the JWT access tokens (RFC 7517 §5, RFC 9068 §4): current and retired public keys',
  tags: ['meta'],
  response: {
    200: jsonAnswer(
      { type: 'object', required: ['keys'], properties: { keys: { type: 'array', items: { type: 'object', required: ['kty', 'kid'], properties: { kty: { type: 'string' }, kid: { type: 'string' }, alg: { type: 'string' }, use: { type: 'string' } } } } } },
      'The public keys (cacheable for 5 minutes).',
    ),
  },
};

/**
 * The POD Shop dialect (wire.md, POD Shop dialect; ../shared/reference/004; docs/podshop.md): the
 * token and refresh endpoints, the orders API, and the JWK Set of the JWT access tokens at
 * `/.well-known/jwks.json`. Errors on `/ac/...` are written in POD Shop's shapes (errors.ts).
 * The orders API's requests are validated by the schemas of schemas.ts, which also
 * describe it in /openapi.json; the token endpoints parse by hand and are described by TOKEN_DOC.
 */
export function podRoutes(ctx: AppContext, options: PodOptions): FastifyPluginAsync {
  const keys = signingKeysOf(ctx);
  const issuerOf = (req: FastifyRequest, mallId: string) => `${options.baseOf(req)}/malls/${mallId}`;
  const { malls } = options;

  /** Basic credentials of this request; under /malls/{mall_id} they must belong to that mall (else as good as unknown). */
  async function credentialsOf(req: FastifyRequest) {
    const client = await authenticateCredentials(ctx, req.headers.authorization);
    const mall = pathMall(req);
    if (mall !== undefined && mall.mallId !== client.mallId) throw badCredentials();
    await options.limiter?.client(client.mallId, client.clientId);
    return client;
  }

  /**
   * An API call through the guard (caller, rate-limit bucket and X-Api-Call-Limit, scope), before
   * the body is read or validated: at the root the credential names the mall; under
   * /malls/{mall_id} it must be of that mall (else it is as good as unknown).
   */
  const guarded = (scope: string): onRequestAsyncHookHandler => async (req, reply) => {
    await guardRequest(options.guard, req, reply, { scope, versioned: false });
  };
  /** The mall of the call: the path's, else the caller's (the guard has run). */
  async function mallOf(req: FastifyRequest): Promise<Mall> {
    const mall = pathMall(req) ?? (await malls.get(req.guarded!.caller.mallId));
    if (!mall) throw new ApiError('not_found', 'no such mall');
    return mall;
  }

  return async (app) => {
    const config = { errors: podErrors };
    // Issue 15, item 8: per address before the body is parsed or the credentials checked.
    const byAddress: onRequestAsyncHookHandler = async (req) => options.limiter?.address(req.ip);
    // Without a limiter (rate limits off) the token routes have no onRequest hook at all.
    const tokenOpts = (openapi: OperationDoc) => ({ config: { ...config, openapi }, bodyLimit: 16 * 1024, onSend: noStore, ...(options.limiter ? { onRequest: byAddress } : {}) });

    // RFC 7517 §5 / RFC 9068 §4: the public keys of the JWT access tokens, retired ones until their tokens expire.
    app.get('/.well-known/jwks.json', { config: { errors: cafe24Errors, openapi: JWKS_DOC } }, async (_req, reply) =>
      reply
        .header('content-type', 'application/json; charset=utf-8')
        .header('cache-control', 'public, max-age=300')
        .header('access-control-allow-origin', '*')
        .send(await keys.jwks()),
    );

    const acRoutes = (underMall: boolean): FastifyPluginAsync => async (ac) => {
      ac.setValidatorCompiler(podValidatorCompiler);
      // Any other path or method under /ac: POD Shop's 404, not the Cafe24 one.
      ac.setNotFoundHandler((req, reply) => sendError(req, reply, new ApiError('not_found', 'no such resource'), podErrors));
      if (underMall) {
        // wire.md Tenancy, "Unknown mall: 404": on every route, before any credential is looked at; in POD Shop's shape.
        ac.addHook('onRequest', async (req) => {
          const mall = await malls.get((req.params as { mall_id: string }).mall_id);
          if (!mall) throw new ApiError('not_found', 'no such mall');
          req.mall = mall;
        });
      }

      // POD Shop document 2.1: Basic in, JWT access token and refresh token out.
      ac.post('/oauth/ext/token', tokenOpts(TOKEN_DOC), async (req, reply) => {
        const client = await credentialsOf(req);
        return reply.send(podTokenBody(await issuePodTokens(ctx, client, issuerOf(req, client.mallId), { ip: req.ip, traceId: req.id })));
      });

      // POD Shop document 2.2: documented path with a body parameter, and its example's path with the query.
      const refresh = async (req: FastifyRequest, reply: FastifyReply) => {
        const client = await credentialsOf(req);
        const id = (req.params as { id?: string }).id;
        if (id !== undefined && id !== client.clientId) throw badCredentials();
        const outcome = await refreshPodTokens(ctx, {
          client,
          issuer: issuerOf(req, client.mallId),
          refreshToken: refreshTokenParam(req),
          meta: { ip: req.ip, traceId: req.id },
        });
        if ('failure' in outcome) throw outcome.failure === 'expired' ? refreshTokenExpired() : tokenDoesNotExist();
        return reply.send(podTokenBody(outcome));
      };
      ac.post('/oauth/ext/token/refresh', tokenOpts(refreshDoc('POD Shop refresh (document 2.2, its documented path)', 'Rotates the refresh token: the old one stops working; presenting a rotated one revokes the whole family.', false)), refresh);
      ac.post('/oauth/external/:id/refresh', tokenOpts(refreshDoc('POD Shop refresh (document 2.2, its example\'s path)', '`{id}` must be the authenticated client ID. Otherwise as /ac/oauth/ext/token/refresh.', true)), refresh);

      // wire.md, POD Shop Orders: the mall's shop orders, in POD Shop's field names.
      const security = (scope: string) => [{ basic: [scope] }, { bearer: [scope] }];
      ac.post('/api/external/orders', {
        config,
        onRequest: guarded('mall.write_order'),
        schema: <FastifySchema>{
          summary: 'Create orders (a batch, written whole or not at all)',
          tags: ['pod'],
          security: security('mall.write_order'),
          body: P.podOrdersBody,
          response: { 200: P.podOrdersCreated, ...API_ERRORS },
        },
      }, async (req, reply) => {
        const mall = await mallOf(req);
        const created = await podFields(async () => createPodOrders(ctx, mall, podOrdersOf(req.body as PodOrdersBody)));
        return reply.send({ orders: created.map(({ order, ref }) => podOrderView(order, ref, mall)) });
      });

      ac.get('/api/external/orders', {
        config: { ...config, openapi: { response: { 200: { headers: { 'x-total-count': { type: 'integer', description: 'How many orders the mall has.' } } } } } },
        onRequest: guarded('mall.read_order'),
        schema: <FastifySchema>{
          summary: 'List the mall\'s orders, oldest first',
          tags: ['pod'],
          security: security('mall.read_order'),
          querystring: P.podOrdersQuery,
          response: { 200: P.podOrdersPage, ...API_ERRORS },
        },
      }, async (req, reply) => {
        const mall = await mallOf(req);
        const { total, orders } = await podFields(() => listPodOrders(ctx.store, mall, req.query as { pageNo: number; pageSize: number }));
        return reply.header('x-total-count', String(total)).send(orders);
      });
    };
    for (const prefix of PREFIXES) await app.register(acRoutes(prefix !== '/ac'), { prefix });
  };
}

/** A PodFieldError as the 400 naming the field. */
async function podFields<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof PodFieldError) throw invalidField(error.field, error.why);
    throw error;
  }
}

/**
 * `refreshToken` from the query string, a form body or a JSON body (wire.md: the document says
 * body, its example sends the query). Given in two places it must be the same value.
 */
function refreshTokenParam(req: FastifyRequest): string {
  const values = new Set<string>();
  const take = (v: unknown) => {
    if (v === undefined) return;
    if (typeof v !== 'string') throw invalidField('refreshToken', 'must be given once, as a string');
    if (v !== '') values.add(v);
  };
  take((req.query as Record<string, unknown>).refreshToken);
  if (req.body !== null && typeof req.body === 'object' && !Array.isArray(req.body)) take((req.body as Record<string, unknown>).refreshToken);
  const [value, ...others] = values;
  if (value === undefined) throw invalidField('refreshToken', 'is required');
  if (others.length > 0) throw invalidField('refreshToken', 'the query string and the body disagree');
  return value;
}
