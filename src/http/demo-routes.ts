import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { demoCallbackPage } from '../console/demo-pages.js';
import { sendPage } from './pages.js';
import { singleValued } from './params.js';

/** `GET /demo/callback`: the redirect URI of the app that `serve --demo` registers. */
export function demoRoutes(options: { clientId: string; baseOf: (req: FastifyRequest) => string }): FastifyPluginAsync {
  return async (app) => {
    app.get('/demo/callback', { config: { dialect: 'page' } }, async (req, reply) => {
      const base = options.baseOf(req);
      const query = { ...singleValued(req.query as Record<string, unknown>), redirect_uri: `${base}/demo/callback` };
      return sendPage(reply, 200, demoCallbackPage({ tokenUrl: `${base}/malls/demo/api/v2/oauth/token`, clientId: options.clientId, query }));
    });
  };
}
