import { pageErrors } from './pages.js';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { demoCallbackData } from '../console/demo-pages.js';
import { verifyLaunch } from '../operator-console/app-launch.js';
import { page } from './pages.js';
import { singleValued } from './params.js';

/** `GET /demo/callback`: the redirect URI of the app that `serve --demo` registers; `GET /demo`: its App URL. */
export function demoRoutes(options: { clientId: string; baseOf: (req: FastifyRequest) => string; launchSecret: string }): FastifyPluginAsync {
  return async (app) => {
    // wire.md, App URL launch: the app checks the hmac over the raw query string before `&hmac=`.
    app.get('/demo', { config: { errors: pageErrors } }, async (req, reply) => {
      const q = req.url.indexOf('?');
      const raw = q < 0 ? '' : req.url.slice(q + 1);
      return page(req, reply, 200, 'demo-launch', { params: [...new URLSearchParams(raw)], verified: verifyLaunch(raw, options.launchSecret) });
    });
    app.get('/demo/callback', { config: { errors: pageErrors } }, async (req, reply) => {
      const base = options.baseOf(req);
      const query = { ...singleValued(req.query as Record<string, unknown>), redirect_uri: `${base}/demo/callback` };
      return page(req, reply, 200, 'demo-callback', demoCallbackData({ tokenUrl: `${base}/malls/demo/api/v2/oauth/token`, clientId: options.clientId, query }));
    });
  };
}
