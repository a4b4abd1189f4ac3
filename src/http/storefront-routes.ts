import { pageErrors } from './pages.js';
import type { FastifyPluginAsync } from 'fastify';
import { STOREFRONT_PAGES, storefrontTags } from '../api/scripttags.js';
import { storefrontHtml } from '../console/storefront-page.js';
import type { Store } from '../store/types.js';
import { htmlPage } from './openapi-doc.js';

/**
 * `GET /storefront[/page]` of a mall: a preview of its storefront carrying the scripttags of every
 * app (display_location of the page, exclude_path, skin 1). The page is sandboxed (CSP `sandbox
 * allow-scripts`, no same-origin): apps' scripts run as they would on a shop, but in an opaque
 * origin, never with this server's cookies or origin. Scripts load only from the tags' origins.
 */
export function storefrontRoutes(store: Store): FastifyPluginAsync {
  return async (app) => {
    const handler = async (req: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply) => {
      const path = req.routeOptions.url!.replace(/^.*\/storefront/, '') || '/';
      const tags = await storefrontTags(store, req.mall, path);
      const origins = [...new Set(tags.map((t) => new URL(t.src).origin))];
      const sources = origins.length > 0 ? origins.join(' ') : "'none'";
      return reply
        .code(200)
        .headers({
          'content-type': 'text/html; charset=utf-8',
          'content-security-policy': `sandbox allow-scripts; default-src 'none'; script-src ${sources}; connect-src ${sources}; img-src * data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
          'referrer-policy': 'no-referrer',
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
        })
        .send(storefrontHtml({ mallName: req.mall.name, path, location: STOREFRONT_PAGES[path] ?? null, tags }));
    };
    // One route per page the storefront has; any other path is the API's plain 404.
    for (const [page, location] of Object.entries(STOREFRONT_PAGES)) {
      const openapi = {
        summary: `Storefront preview of ${page}, carrying the apps' scripttags shown at ${location}`,
        tags: ['scripttags'],
        response: { 200: htmlPage(`The page (HTML, sandboxed CSP) with a <script> per scripttag at ${location} or all, unless ${page} is excluded.`) },
      };
      app.get(`/storefront${page === '/' ? '' : page}`, { config: { errors: pageErrors, openapi } }, handler);
    }
  };
}
