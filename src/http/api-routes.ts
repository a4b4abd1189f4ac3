import type { FastifyPluginAsync } from 'fastify';
import { requireScope, resolveCaller } from '../api/caller.js';
import { storeResource } from '../api/store-resource.js';
import type { OAuthContext } from '../oauth/context.js';

/** The Cafe24-style Admin API (wire.md, Admin API). */
export function apiRoutes(ctx: OAuthContext): FastifyPluginAsync {
  return async (app) => {
    const config = { dialect: 'api' as const };

    app.get('/api/v2/admin/store', { config }, async (req) => {
      const caller = await resolveCaller(ctx, req.mall, req.headers.authorization);
      requireScope(caller, 'mall.read_store');
      return storeResource(req.mall);
    });
  };
}
