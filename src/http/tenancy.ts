import { ApiError } from '../errors.js';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from './errors.js';
import { cafe24Errors } from '../dialects/cafe24/errors.js';
import type { Clock } from '../clock.js';
import type { Mall, Store } from '../store/types.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The tenant of this request, resolved from the path or the host. */
    mall: Mall;
    /** Path prefix of the mall's routes: `/malls/{mall_id}` (path form) or `` (host form). */
    mallBase: string;
  }
}

/** Malls change rarely: found malls are kept a few seconds (by the server's clock); misses are not cached. One per server. */
export class MallCache {
  private readonly hits = new Map<string, { mall: Mall; until: number }>();
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly ttlMs = 5000,
  ) {}

  async get(mallId: string): Promise<Mall | undefined> {
    const now = this.clock.now();
    const hit = this.hits.get(mallId);
    if (hit && hit.until > now) return hit.mall;
    const mall = await this.store.malls.get(mallId);
    if (mall) this.hits.set(mallId, { mall, until: now + this.ttlMs });
    return mall;
  }
}

const unknownMall = () => new ApiError('not_found', 'no such mall');

/**
 * Registers `routes` twice (wire.md, Tenancy): under `/malls/:mall_id` and at the root for the
 * host form `{mall_id}.{mallDomain}`. Either way an unknown mall is a 404.
 */
export async function registerTenantRoutes(
  app: FastifyInstance,
  malls: MallCache,
  mallDomain: string | null,
  routes: FastifyPluginAsync,
): Promise<void> {
  const suffix = mallDomain ? `.${mallDomain.toLowerCase()}` : null;
  const resolve = (from: (req: FastifyRequest) => string | undefined, base: (id: string) => string) => async (req: FastifyRequest, reply: FastifyReply) => {
    const id = from(req);
    const mall = id ? await malls.get(id) : undefined;
    // The contract: an unknown mall is a 404 in the API's error shape on every route.
    if (!mall) return sendError(req, reply, unknownMall(), cafe24Errors);
    req.mall = mall;
    req.mallBase = base(mall.mallId);
    return undefined;
  };
  await app.register(
    async (scope) => {
      scope.addHook('onRequest', resolve((req) => (req.params as { mall_id?: string }).mall_id, (id) => `/malls/${id}`));
      await routes(scope, {});
    },
    { prefix: '/malls/:mall_id' },
  );
  await app.register(async (scope) => {
    // The same routes as the path form's, without the prefix: /openapi.json lists them once (http/openapi.ts).
    scope.addHook('onRoute', (r) => {
      r.schema = { ...r.schema, hide: true };
    });
    scope.addHook(
      'onRequest',
      resolve((req) => {
        const host = req.hostname.toLowerCase();
        return suffix && host.endsWith(suffix) ? host.slice(0, -suffix.length) : undefined;
      }, () => ''),
    );
    await routes(scope, {});
  });
}
