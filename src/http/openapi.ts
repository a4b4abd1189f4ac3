import swagger from '@fastify/swagger';
import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify';
import { CURRENT_API_VERSION } from '../api/guard.js';
import { cafe24Errors } from '../dialects/cafe24/errors.js';
import { KNOWN_SCOPES } from '../oauth/scopes.js';
import { htmlPage, jsonAnswer, redirect } from './openapi-doc.js';

/**
 * The OpenAPI 3.1 document of the whole HTTP surface at GET /openapi.json, made by @fastify/swagger
 * from the routes as they are registered. A route's `schema` is what Fastify enforces (request
 * validation, response serialization) plus the annotations `summary`, `description`, `tags`,
 * `security`; what a route checks or writes by hand (the OAuth endpoints, POD Shop's token
 * endpoints, metadata, the pages) is described in its `config.openapi` (openapi-doc.ts), in the same
 * shape, and read only here: documentation that never changes the wire (a response schema on the
 * route itself would make fast-json-stringify drop and coerce fields). test/http/openapi.test.ts
 * holds real answers against both.
 */
type Json = Record<string, unknown>;

// ---- what every route of a kind has (added here, not on each route) -------------------------------

const MALL_ID = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{1,62}$', description: 'The mall (tenant).' };

/** The rate limit's headers, on every answer to a call with valid credentials (both dialects). */
function callLimitHeaders(code: string): Json {
  const h: Json = { 'X-Api-Call-Limit': { type: 'string', pattern: '^\\d+/\\d+$', description: 'used/size of the leaky bucket of this (mall, app); absent when the app has no limit.' } };
  if (code === '429') h['Retry-After'] = { type: 'integer', description: 'Seconds until one call fits.' };
  return h;
}

function adminHeaders(code: string): Json {
  const percent = (what: string) => ({ type: 'string', pattern: '^\\d{1,3}(\\.\\d{1,2})?$', description: `Percent of this (mall, app)'s ${what} per window in use (the usage layer); absent when the app has it off.` });
  const remain = (what: string) => ({ type: 'integer', description: `Once the ${what} usage reaches 100 %: seconds until calls resume (calls made before then lengthen it).` });
  return {
    ...callLimitHeaders(code),
    'X-Cafe24-Api-Version': { type: 'string', description: 'The API version in force.' },
    'X-Cafe24-Call-Usage': percent('calls'),
    'X-Cafe24-Time-Usage': percent('processing time'),
    'X-Cafe24-Call-Remain': remain('call'),
    'X-Cafe24-Time-Remain': remain('processing time'),
  };
}

const API_VERSION_HEADER = {
  type: 'object',
  properties: {
    'X-Cafe24-Api-Version': {
      type: 'string',
      pattern: '^\\d{4}-\\d{2}-\\d{2}$',
      description: `API version; absent: the app's configured version, else ${CURRENT_API_VERSION}; an expired one: the oldest still valid. Echoed in the response.`,
    },
  },
};

const PAGE_ANSWERS = { '4XX': htmlPage('An error page (HTML).') };

/** The operation of one route: its schema, its doc, and what every route of its kind has. */
function operationOf(route: RouteOptions, schema: FastifySchema | undefined, ids: Set<string>): FastifySchema {
  const doc = route.config?.openapi;
  const s = { ...doc, ...(schema as Json | undefined) } as Json;
  const url = route.url;
  const dialect = route.config?.errors?.dialect;
  const admin = url.includes('/api/v2/admin/');
  const responses: Record<string, Json> = { ...(dialect === 'page' ? PAGE_ANSWERS : {}), ...doc?.response };
  for (const [code, answer] of Object.entries((schema?.response as Record<string, Json> | undefined) ?? {})) {
    // Response schemas the route serializes with: documented as they are, with the answer's description and headers.
    const headers = admin ? adminHeaders(code) : url.includes('/ac/api/') ? callLimitHeaders(code) : undefined;
    const given = (doc?.response?.[code]?.headers as Json | undefined) ?? {};
    responses[code] = {
      ...answer,
      'x-response-description': Number(code) < 400 ? 'Success' : `Error, in the ${dialect === 'pod' ? 'POD Shop' : 'Cafe24'} shape`,
      ...(headers || Object.keys(given).length > 0 ? { headers: { ...headers, ...given } } : {}),
    };
  }
  // Pages that document nothing more: a page, or for a form post the page again or the next one.
  const method = [route.method].flat()[0]!.toLowerCase();
  if (dialect === 'page' && !doc?.response) {
    Object.assign(responses, method === 'get' ? { 200: htmlPage('The page (HTML).') } : { 200: htmlPage('A page: a confirmation to give, or the form again with what to fix (HTML).'), 303: redirect('Done: on to the next page (Post/Redirect/Get).') });
  }
  s.response = responses;
  // Path parameters a route validates are only its own: the mall's comes from the prefix.
  if (s.params && url.includes(':mall_id')) {
    const params = s.params as Json;
    s.params = { ...params, properties: { mall_id: MALL_ID, ...(params.properties as Json) }, required: ['mall_id', ...((params.required as string[] | undefined) ?? [])] };
  }
  if (admin) s.headers = API_VERSION_HEADER;
  s.tags ??= [url.includes('/ac/') ? 'pod' : url.includes('/console') ? 'console' : url.startsWith('/developers') ? 'developers' : 'meta'];
  // Named by the path without the mall, except POD Shop's, listed at the root too: getMallsMallIdAc...
  const named = url.startsWith('/malls/:mall_id/ac/') ? url : url.replace(/^\/malls\/:mall_id(?=\/)/, '');
  let id = `${method}${named.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}`;
  while (ids.has(id)) id += '_';
  ids.add(id);
  s.operationId = id;
  return s as FastifySchema;
}

/**
 * Registers @fastify/swagger (before any route: it collects them with onRoute) and serves the
 * document at GET /openapi.json. Call on the root instance.
 */
export async function openApi(app: FastifyInstance, info: { title: string; version: string }): Promise<void> {
  const ids = new Set<string>();
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        ...info,
        description:
          'shopauth: an OAuth 2.0 authorization server, a Cafe24-style Admin API and the POD Shop dialect. Mall routes are shown in path form, `/malls/{mall_id}/...`; '
          + 'the host form `https://{mall_id}.{mall domain}/...` serves the same routes without the prefix. '
          + `Admin API calls take \`Authorization: Bearer {access_token}\` (or \`Basic\` API credentials) and optional \`X-Cafe24-Api-Version\` (current ${CURRENT_API_VERSION}); `
          + 'every answer carries `X-Api-Call-Limit: used/size` unless the app has no rate limit, and `X-Cafe24-Call-Usage` / `X-Cafe24-Time-Usage` (percent) '
          + 'with `X-Cafe24-Call-Remain` / `X-Cafe24-Time-Remain` (seconds) once one reaches 100 %. '
          + 'POD Shop routes (`/ac/...`, tag pod) answer at the root, where the credentials name the mall, and under `/malls/{mall_id}`, where they must be of that mall; '
          + 'their errors are in the POD Shop shapes, with the trace id in `x-trace-id`.',
      },
      servers: [{ url: '/' }],
      tags: [
        { name: 'oauth', description: 'OAuth 2.0 endpoints of a mall' },
        { name: 'console', description: 'The operator console of a mall (HTML pages): installed apps, App URL launch' },
        { name: 'developers', description: 'The developer center (HTML pages): accounts, apps, secrets, webhooks' },
        { name: 'store' }, { name: 'products' }, { name: 'orders' }, { name: 'customers' }, { name: 'categories' }, { name: 'scripttags' }, { name: 'apps' }, { name: 'webhooks' },
        { name: 'pod', description: 'POD Shop dialect: token endpoints and the orders API (wire.md, POD Shop dialect)' },
        { name: 'meta', description: 'This document, metadata, keys, operations' },
      ],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: `An access token of the mall (scheme name in any case). The role names in each requirement are the scopes the call needs, among: ${KNOWN_SCOPES.join(', ')}.` },
          basic: {
            type: 'http',
            scheme: 'basic',
            description: 'API credentials of the mall (`shopauth credentials create`; POD Shop\'s Client ID and Client Key): `Authorization: Basic base64(client_id:client_key)`. The role names are the scopes the call needs.',
          },
          clientSecretBasic: {
            type: 'http',
            scheme: 'basic',
            description: 'Client authentication at the OAuth endpoints (RFC 6749 §2.3.1): `Authorization: Basic base64(client_id:client_secret)`. The alternative, client_id and client_secret in the form body, is the requirement `{}`.',
          },
        },
      },
    },
    // The host form ({mall_id}.{mall domain}) is the path form's routes without /malls/{mall_id}:
    // listed once (http/tenancy.ts marks its routes `hide`).
    transform: ({ schema, url, route }) => (schema?.hide ? { schema, url } : { schema: operationOf(route, schema, ids), url }),
  });
  // Made once, at the first request (after ready: every route is known), and kept as text (it is ~700 kB).
  let text: string | undefined;
  app.get('/openapi.json', {
    config: { errors: cafe24Errors, openapi: { summary: 'This document (OpenAPI 3.1)', tags: ['meta'], response: { 200: jsonAnswer({ type: 'object', required: ['openapi', 'info', 'paths'] }, 'The document.') } } },
  }, async (_req, reply) => reply.type('application/json; charset=utf-8').send((text ??= JSON.stringify(app.swagger()))));
}
