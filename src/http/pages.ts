import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { isLang, LANG_COOKIE, pickLang, translator, type Lang, type Translate } from '../console/i18n.js';
import { ASSETS, render, type PageFrame } from '../console/render.js';
import type { ErrorWriter } from './errors.js';
import { redirect, type OperationDoc } from './openapi-doc.js';

/**
 * Security headers of every HTML page (RFC 9700 §4.16: no framing; no Referer leaking the
 * authorization request; never cached). Style and script only from the hashed static assets:
 * nothing inline runs.
 */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

export function sendPage(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply.code(status).headers(PAGE_HEADERS).send(html);
}

/** The page's language: the switch's cookie, else Accept-Language (console/i18n.ts). */
export const langOf = (req: FastifyRequest): Lang => pickLang(req.cookies[LANG_COOKIE], req.headers['accept-language']);

/** Renders a template of src/console/views in the request's language and sends it. */
export function page(req: FastifyRequest, reply: FastifyReply, status: number, template: string, data: object, nav?: PageFrame['nav']): FastifyReply {
  return sendPage(reply, status, render(template, { lang: langOf(req), here: req.url, ...(nav ? { nav } : {}) }, data));
}

/** A same-site path to go back to: absolute path only, never `//host` (no open redirect). */
const safeBack = (back: unknown): string => (typeof back === 'string' && /^\/(?![/\\])/.test(back) ? back : '/developers');

const LANG_DOC: OperationDoc = {
  summary: 'Language switch of the pages: remembered in a cookie for a year',
  tags: ['meta'],
  params: { type: 'object', properties: { lang: { type: 'string', enum: ['en', 'ko'], description: 'Another value changes nothing.' } } },
  querystring: { type: 'object', properties: { back: { type: 'string', description: 'A path on this server to go back to (default /developers).' } } },
  response: { 303: redirect('Back to the page.') },
};

/**
 * `GET /assets/{name}.{hash}.{ext}`: the pages' stylesheet and script, cached for a year (the
 * hash changes with the content). `GET /ui/lang/{en|ko}?back=PATH`: the language switch; the
 * choice is remembered in a cookie for a year.
 */
export const pageAssetRoutes: FastifyPluginAsync = async (app) => {
  for (const a of Object.values(ASSETS)) {
    const openapi = { summary: `The pages' ${a.type.split(';')[0]} (cached for a year; the name changes with the content)`, tags: ['meta'], response: { 200: { description: 'The file.', content: { [a.type.split(';')[0]!]: { schema: { type: 'string' } } } } } };
    app.get(a.path, { config: { errors: pageErrors, openapi } }, async (_req, reply) =>
      reply.headers({ 'content-type': a.type, 'cache-control': 'public, max-age=31536000, immutable', 'x-content-type-options': 'nosniff' }).send(a.body),
    );
  }
  app.get<{ Params: { lang: string }; Querystring: { back?: string } }>('/ui/lang/:lang', { config: { errors: pageErrors, openapi: LANG_DOC } }, async (req, reply) => {
    const back = safeBack(req.query.back);
    if (isLang(req.params.lang)) {
      reply.setCookie(LANG_COOKIE, req.params.lang, { path: '/', maxAge: 365 * 86400, sameSite: 'lax', secure: req.protocol === 'https' });
    }
    return reply.header('cache-control', 'no-store').redirect(back, 303);
  });
};

/** The request's message table. */
export const tr = (req: FastifyRequest): Translate => translator(langOf(req));

/** Errors as an HTML page for the person in the browser (RFC 6749 §4.1.2.1). */
export const pageErrors: ErrorWriter = {
  dialect: 'page',
  write: (req, reply, err, traceId) => page(req, reply, err.status, 'error', { error: err.error, description: err.description, traceId }),
};
