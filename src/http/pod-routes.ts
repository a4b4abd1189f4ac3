import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../api/caller.js';
import type { ApiGuard } from '../api/guard.js';
import { createPodOrders, listPodOrders, parsePodOrders, podOrderView, podPage, PodFieldError } from '../api/pod-orders.js';
import type { OAuthContext } from '../oauth/context.js';
import { authenticateCredentials, badCredentials } from '../oauth/credentials.js';
import { issuePodTokens, podTokenBody, refreshPodTokens } from '../oauth/pod-tokens.js';
import type { IssuedTokens } from '../oauth/tokens/issue.js';
import { signingKeysOf } from '../oauth/tokens/signing-keys.js';
import { OAuthError } from '../oauth/errors.js';
import type { App, Mall } from '../store/types.js';
import { guardRequest } from './api-routes.js';
import { sendError, setPodErrorWriter } from './errors.js';
import { invalidField, podErrorBody, refreshTokenExpired, tokenDoesNotExist } from './pod-errors.js';
import { MallCache } from './tenancy.js';

interface PodOptions {
  /** The server's base URL for this request (public URL or the request's own). */
  baseOf: (req: FastifyRequest) => string;
  /** The one API pipeline (caller, rate limit, scope) the Cafe24-style API runs too. */
  guard: ApiGuard;
}

/** The path forms of every `/ac/...` route: at the root as on api.pod.shop (the credentials name the mall), and under the mall. */
const PREFIXES = ['/ac', '/malls/:mall_id/ac'] as const;

/**
 * The POD Shop dialect (wire.md, POD Shop dialect; ../shared/reference/004; docs/podshop.md): the
 * token and refresh endpoints, the orders API, and the JWK Set of the JWT access tokens at
 * `/.well-known/jwks.json`. Errors on `/ac/...` are written in POD Shop's shapes (pod-errors.ts).
 */
export function podRoutes(ctx: OAuthContext, options: PodOptions): FastifyPluginAsync {
  setPodErrorWriter(podErrorBody);
  const keys = signingKeysOf(ctx);
  const issuerOf = (req: FastifyRequest, mallId: string) => `${options.baseOf(req)}/malls/${mallId}`;

  /** Basic credentials of this request; under /malls/{mall_id} they must belong to that mall. */
  async function credentialsOf(req: FastifyRequest): Promise<App & { mallId: string }> {
    const client = await authenticateCredentials(ctx, req.headers.authorization);
    const pathMall = (req.params as { mall_id?: string }).mall_id;
    if (pathMall !== undefined && pathMall !== client.mallId) throw badCredentials();
    return client;
  }

  /**
   * An API call through the guard (caller, rate-limit bucket and X-Api-Call-Limit, scope): at the
   * root the credential names the mall; under /malls/{mall_id} it must be of that mall (else it is
   * as good as unknown).
   */
  const malls = new MallCache(ctx.store);
  async function guarded(req: FastifyRequest, reply: FastifyReply, scope: string): Promise<{ mall: Mall; caller: Caller }> {
    const pathMall = (req.params as { mall_id?: string }).mall_id;
    if (pathMall !== undefined) {
      const mall = await malls.get(pathMall);
      if (!mall) throw new OAuthError('not_found', 'no such mall');
      req.mall = mall;
    }
    const { caller } = await guardRequest(options.guard, req, reply, { scope, versioned: false });
    const mall = pathMall !== undefined ? req.mall : await malls.get(caller.mallId);
    if (!mall) throw new OAuthError('not_found', 'no such mall');
    return { mall, caller };
  }

  // RFC 6749 §5.1: token responses are never cached.
  const sendTokens = (reply: FastifyReply, issued: IssuedTokens) =>
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(podTokenBody(issued));

  return async (app) => {
    // A POST without a body but with `Content-Type: application/json` is common in client code: an empty body is no body.
    const json = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) =>
      body === '' ? done(null, undefined) : json(req, body as string, done),
    );

    const config = { dialect: 'pod' as const };
    const tokenOpts = { config, bodyLimit: 16 * 1024 };

    // RFC 7517 §5 / RFC 9068 §4: the public keys of the JWT access tokens, retired ones until their tokens expire.
    app.get('/.well-known/jwks.json', { config: { dialect: 'api' as const } }, async (_req, reply) =>
      reply
        .header('content-type', 'application/json; charset=utf-8')
        .header('cache-control', 'public, max-age=300')
        .header('access-control-allow-origin', '*')
        .send(await keys.jwks()),
    );

    const acRoutes: FastifyPluginAsync = async (ac) => {
      // Any other path or method under /ac: POD Shop's 404, not the Cafe24 one.
      ac.setNotFoundHandler((req, reply) => sendError(req, reply, new OAuthError('not_found', 'no such resource'), 'pod'));

      // POD Shop document 2.1: Basic in, JWT access token and refresh token out.
      ac.post('/oauth/ext/token', tokenOpts, async (req, reply) => {
        const client = await credentialsOf(req);
        return sendTokens(reply, await issuePodTokens(ctx, client, issuerOf(req, client.mallId), { ip: req.ip, traceId: req.id }));
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
        return sendTokens(reply, outcome);
      };
      ac.post('/oauth/ext/token/refresh', tokenOpts, refresh);
      ac.post('/oauth/external/:id/refresh', tokenOpts, refresh);

      // wire.md, POD Shop Orders: the mall's shop orders, in POD Shop's field names.
      ac.post('/api/external/orders', { config }, async (req, reply) => {
        const { mall } = await guarded(req, reply, 'mall.write_order');
        const created = await podFields(async () => createPodOrders(ctx, mall, parsePodOrders(req.body)));
        return reply.send({ orders: created.map(({ order, orderCode }) => podOrderView(order, orderCode, mall)) });
      });

      ac.get('/api/external/orders', { config }, async (req, reply) => {
        const { mall } = await guarded(req, reply, 'mall.read_order');
        const { total, orders } = await podFields(async () => listPodOrders(ctx.store, mall, podPage(req.query as Record<string, unknown>)));
        return reply.header('x-total-count', String(total)).send(orders);
      });
    };
    for (const prefix of PREFIXES) await app.register(acRoutes, { prefix });
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
