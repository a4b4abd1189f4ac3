import { cafe24Errors } from '../dialects/cafe24/errors.js';
import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify';
import { STOREFRONT_PAGES } from '../api/scripttags.js';
import { CURRENT_API_VERSION } from '../api/guard.js';
import * as P from '../dialects/podshop/schemas.js';
import { LAUNCH_LANGS } from '../operator-console/app-launch.js';
import { KNOWN_SCOPES } from '../oauth/scopes.js';

/**
 * The OpenAPI 3.1 document of the whole HTTP surface, served at /openapi.json. Every route is
 * collected as it is registered (Fastify's onRoute hook), so a route's `schema` (the very
 * objects its requests are validated with) becomes its operation. Routes without a schema (the
 * OAuth endpoints and POD Shop's token endpoints, which parse by hand) are described from the
 * table below. Besides Fastify's parts, a route schema may carry `summary`, `description`, `tags`,
 * `security` and `responseHeaders` ({code: {name: header object}}), which only this document reads.
 */
type Json = Record<string, unknown>;

interface Collected {
  method: string;
  url: string;
  schema: Json | undefined;
  dialect: string | undefined;
}

const form = (properties: Json, required: string[] = []): Json => ({
  required: true,
  content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', properties, required } } },
});
const str = (description: string): Json => ({ type: 'string', description });
const oauthError = { description: 'RFC 6749 §5.2 error', content: { 'application/json': { schema: { type: 'object', required: ['error'], properties: { error: { type: 'string' }, error_description: { type: 'string' }, trace_id: { type: 'string' } } } } } };
const clientAuth = 'Client authentication: `Authorization: Basic base64(client_id:client_secret)`, or client_id and client_secret in the body.';

// POD Shop's token endpoints (dialects/podshop/routes.ts, docs/podshop.md): parsed by hand, so described here.
const json = (schema: Json, description: string, headers?: Json): Json => ({ description, content: { 'application/json': { schema } }, ...(headers ? { headers } : {}) });
const NO_STORE = { 'Cache-Control': { description: 'no-store (RFC 6749 §5.1), on errors too.', schema: { type: 'string', enum: ['no-store'] } } };
const podTokenResponses: Json = {
  '200': json(P.podTokenSchema, 'POD Shop token response (document 2.1).', NO_STORE),
  '400': json(P.podProblemSchema, 'invalidParameter (refreshToken) or badRequest (malformed JSON), in the POD Shop shape.', NO_STORE),
  '401': json(P.podStatusErrorSchema, 'Bad credentials: {"status":401,"error":"Unauthorized"} with WWW-Authenticate: Basic; a refresh token unknown, rotated or revoked: "this token does not exist"; past 14 days: "This token has expired".', NO_STORE),
  '404': json(P.podProblemSchema, 'No such mall (the /malls/{mall_id} form).', NO_STORE),
};
const refreshTokenDoc = str('The refresh token; in the query string or the body (given in both, they must agree). Rotated on use.');
const podRefresh = (summary: string, description: string, withId = false): Json => ({
  summary,
  description,
  tags: ['pod'],
  security: [{ basic: [] }],
  parameters: [
    ...(withId ? [{ name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'The client ID of the Basic credentials.' }] : []),
    { name: 'refreshToken', in: 'query', required: false, schema: { type: 'string' }, description: 'The refresh token, when not in the body.' },
  ],
  requestBody: {
    required: false,
    content: Object.fromEntries(['application/json', 'application/x-www-form-urlencoded'].map((type) => [type, { schema: { type: 'object', properties: { refreshToken: refreshTokenDoc } } }])),
  },
  responses: podTokenResponses,
});

/** The login form a console page posts to its own URL. */
const consoleLogin = (summary: string): Json => ({
  summary,
  tags: ['console'],
  requestBody: form({ csrf_token: str('CSRF token of the page.'), user_id: str('Operator id.'), password: str('Password.') }, ['csrf_token', 'user_id']),
  responses: { '303': { description: 'Signed in: back to the page.' }, '401': { description: 'Wrong operator id or password (HTML).' }, '403': { description: 'CSRF check failed (HTML).' }, '429': { description: 'Throttled (HTML, Retry-After).' } },
});

/** The storefront preview's pages (docs/admin-api.md, Storefront preview). */
const STOREFRONT_OPERATIONS: Record<string, Json> = Object.fromEntries(
  Object.entries(STOREFRONT_PAGES).map(([page, location]) => [
    `GET /storefront${page === '/' ? '' : page}`,
    {
      summary: `Storefront preview of ${page}, carrying the apps' scripttags shown at ${location}`,
      tags: ['scripttags'],
      responses: { '200': { description: `The page (HTML, sandboxed CSP) with a <script> per scripttag at ${location} or all, unless ${page} is excluded.`, content: { 'text/html': { schema: { type: 'string' } } } } },
    },
  ]),
);

/** Operations of routes that carry no schema of their own, keyed by "METHOD path-suffix". */
const DESCRIBED: Record<string, Json> = {
  ...STOREFRONT_OPERATIONS,
  'GET /api/v2/oauth/authorize': {
    summary: 'Authorization request (RFC 6749 §4.1.1; wire.md, Cafe24 dialect)',
    tags: ['oauth'],
    parameters: [
      ['response_type', 'Must be "code".', true],
      ['client_id', 'The app\'s client id.', true],
      ['redirect_uri', 'Exactly one of the app\'s registered redirect URIs.', true],
      ['scope', 'Scopes, comma- or space-separated.', true],
      ['state', 'Echoed back unchanged.', false],
      ['code_challenge', 'PKCE (RFC 7636), S256.', false],
      ['code_challenge_method', 'S256.', false],
    ].map(([name, description, required]) => ({ name, in: 'query', required, schema: { type: 'string' }, description })),
    responses: {
      '200': { description: 'The login or consent page (HTML).', content: { 'text/html': { schema: { type: 'string' } } } },
      '302': { description: 'Redirect to redirect_uri with code and state, or with error (RFC 6749 §4.1.2).' },
      '400': { description: 'Error page: unknown client or redirect URI mismatch (never redirected, RFC 6749 §4.1.2.1).' },
    },
  },
  'POST /api/v2/oauth/authorize': {
    summary: 'Login and consent form posts of the authorization page',
    tags: ['oauth'],
    requestBody: form({ csrf_token: str('CSRF token of the page.'), user_id: str('Operator id (login).'), password: str('Password (login).'), decision: { type: 'string', enum: ['allow', 'deny'] } }),
    responses: { '303': { description: 'Next step, or the redirect to the app.' }, '401': { description: 'Wrong operator id or password (HTML).' }, '403': { description: 'CSRF check failed (HTML).' } },
  },
  'GET /console': {
    summary: 'Operator console: the apps installed in the mall (README, Operator console)',
    tags: ['console'],
    responses: { '200': { description: 'The login page, or the installed apps with Open and Remove (HTML).', content: { 'text/html': { schema: { type: 'string' } } } } },
  },
  'POST /console': consoleLogin('Login form of the operator console'),
  'GET /console/apps/{client_id}/launch': {
    summary: 'App URL launch (wire.md): 302 to the App URL with the signed launch parameters',
    tags: ['console'],
    parameters: [{ name: 'lang', in: 'query', required: false, schema: { type: 'string', enum: [...LAUNCH_LANGS] }, description: 'The launch language; ko_KR when absent or not one of these.' }],
    responses: {
      '200': { description: 'Not signed in: the login page (HTML); it comes back here.' },
      '302': { description: 'To the App URL with is_multi_shop, lang, mall_id, nation, shop_no, timestamp, user_id, user_name, user_type in that order and hmac last.' },
      '404': { description: 'The app holds no live grant in the mall (HTML).' },
      '409': { description: 'No sealed client secret was kept for the app: re-register it (HTML).' },
    },
  },
  'POST /console/apps/{client_id}/launch': consoleLogin('Login form shown by the launch when not signed in; comes back to the launch'),
  'POST /console/apps/{client_id}/remove': {
    summary: "Removes the app from the mall: revokes its grants and every token under them (representative operator only)",
    tags: ['console'],
    requestBody: form({ csrf_token: str('CSRF token of the page.') }, ['csrf_token']),
    responses: { '303': { description: 'Removed: back to the console.' }, '403': { description: 'CSRF check failed, or a sub-operator (HTML).' }, '404': { description: 'The app is not installed in this mall (HTML).' } },
  },
  'POST /console/logout': {
    summary: 'Signs the operator out',
    tags: ['console'],
    requestBody: form({ csrf_token: str('CSRF token of the page.') }, ['csrf_token']),
    responses: { '303': { description: 'Signed out: back to the console (the login page).' }, '403': { description: 'CSRF check failed (HTML).' } },
  },
  'POST /api/v2/oauth/token': {
    summary: 'Token request: authorization_code or refresh_token grant (RFC 6749 §4.1.3, §6)',
    description: clientAuth,
    tags: ['oauth'],
    requestBody: form(
      {
        grant_type: { type: 'string', enum: ['authorization_code', 'refresh_token'] },
        code: str('The authorization code (authorization_code).'),
        redirect_uri: str('The redirect URI of the authorization request.'),
        code_verifier: str('PKCE verifier (RFC 7636 §4.5).'),
        refresh_token: str('The refresh token (refresh_token); rotated on use.'),
        scope: str('A narrower scope (refresh_token).'),
        client_id: str('Client id, when not in Authorization.'),
        client_secret: str('Client secret, when not in Authorization.'),
      },
      ['grant_type'],
    ),
    responses: {
      '200': {
        description: 'Cafe24 token response with the RFC 6749 §5.1 fields.',
        content: {
          'application/json': {
            schema: {
              type: 'object',
              properties: {
                access_token: { type: 'string' }, expires_at: { type: 'string' }, refresh_token: { type: 'string' }, refresh_token_expires_at: { type: 'string' },
                client_id: { type: 'string' }, mall_id: { type: 'string' }, user_id: { type: 'string' }, scopes: { type: 'array', items: { type: 'string' } },
                issued_at: { type: 'string' }, shop_no: { type: 'string' }, token_type: { type: 'string' }, expires_in: { type: 'integer' }, scope: { type: 'string' },
              },
            },
          },
        },
      },
      '400': oauthError,
      '401': oauthError,
    },
  },
  'POST /api/v2/oauth/revoke': {
    summary: 'Token revocation (RFC 7009)',
    description: clientAuth,
    tags: ['oauth'],
    requestBody: form({ token: str('The token to revoke.'), token_type_hint: { type: 'string', enum: ['access_token', 'refresh_token'] }, token_hint: str('Cafe24 spelling of token_type_hint.') }, ['token']),
    responses: { '200': { description: 'Revoked (or unknown): an empty body.' }, '400': oauthError, '401': oauthError },
  },
  'POST /api/v2/oauth/introspect': {
    summary: 'Token introspection (RFC 7662), for the calling client\'s own tokens',
    description: clientAuth,
    tags: ['oauth'],
    requestBody: form({ token: str('The token to inspect.'), token_type_hint: { type: 'string', enum: ['access_token', 'refresh_token'] } }, ['token']),
    responses: { '200': { description: 'RFC 7662 §2.2 response: {"active":false} for anything not live.', content: { 'application/json': { schema: { type: 'object', required: ['active'], properties: { active: { type: 'boolean' } } } } } }, '401': oauthError },
  },
  'POST /ac/oauth/ext/token': {
    summary: 'POD Shop access token (document 2.1): Basic API credentials in, a JWT access token and a refresh token out',
    description: 'Each call starts a new token family. The credentials name the mall.',
    tags: ['pod'],
    security: [{ basic: [] }],
    responses: podTokenResponses,
  },
  'POST /ac/oauth/ext/token/refresh': podRefresh('POD Shop refresh (document 2.2, its documented path)', 'Rotates the refresh token: the old one stops working; presenting a rotated one revokes the whole family.'),
  'POST /ac/oauth/external/{id}/refresh': podRefresh('POD Shop refresh (document 2.2, its example\'s path)', '`{id}` must be the authenticated client ID. Otherwise as /ac/oauth/ext/token/refresh.', true),
};

const MALL_ID_PARAM = { name: 'mall_id', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{1,62}$' }, description: 'The mall (tenant).' };

/** Collects routes from now on and serves GET /openapi.json. Call on the root instance, before any route. */
export function openApi(app: FastifyInstance, info: { title: string; version: string }): void {
  const routes: Collected[] = [];
  app.addHook('onRoute', (r: RouteOptions) => {
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    for (const method of methods) {
      if (method === 'HEAD' || method === 'OPTIONS' || r.url.includes('*')) continue;
      routes.push({ method, url: r.url, schema: r.schema as Json | undefined, dialect: (r.config as { errors?: { dialect: string } } | undefined)?.errors?.dialect });
    }
  });
  let doc: Json | undefined;
  app.get('/openapi.json', { config: { errors: cafe24Errors }, schema: { summary: 'This document', tags: ['meta'] } as FastifySchema }, async () => (doc ??= buildDocument(routes, info)));
}

export function buildDocument(routes: Collected[], info: { title: string; version: string }): Json {
  // The host form ({mall_id}.{mall domain}) serves the mall's routes without the /malls prefix: listed
  // once, in the path form. POD Shop's /ac routes are not that: their root form is the real one (as on
  // api.pod.shop, the credentials name the mall), and both forms are listed (dialects/podshop/routes.ts).
  const all = new Set(routes.map((r) => `${r.method} ${r.url}`));
  const hostForm = (r: Collected) => !r.url.startsWith('/malls/') && r.dialect !== 'pod' && all.has(`${r.method} /malls/:mall_id${r.url}`);
  const listed = routes.filter((r) => !hostForm(r));
  const listedAtRoot = new Set(listed.filter((r) => !r.url.startsWith('/malls/')).map((r) => `${r.method} ${r.url}`));
  const paths: Record<string, Record<string, Json>> = {};
  const ids = new Set<string>();
  for (const r of listed) {
    const path = r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const suffix = r.url.replace(/^\/malls\/:mall_id/, '');
    const op = operation(r, DESCRIBED[`${r.method} ${suffix.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`], path);
    // Named by the path without the mall, unless the root form is listed too (then: getMallsMallIdAc...).
    const named = suffix !== r.url && listedAtRoot.has(`${r.method} ${suffix}`) ? r.url : suffix;
    let id = `${r.method.toLowerCase()}${named.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}`;
    while (ids.has(id)) id += '_';
    ids.add(id);
    (paths[path] ??= {})[r.method.toLowerCase()] = { operationId: id, ...op };
  }
  return {
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
      { name: 'store' }, { name: 'products' }, { name: 'orders' }, { name: 'customers' }, { name: 'categories' }, { name: 'scripttags' }, { name: 'apps' },
      { name: 'pod', description: 'POD Shop dialect: token endpoints and the orders API (wire.md, POD Shop dialect)' },
      { name: 'meta' },
    ],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: `An access token of the mall (scheme name in any case). The role names in each requirement are the scopes the call needs, among: ${KNOWN_SCOPES.join(', ')}.` },
        basic: {
          type: 'http',
          scheme: 'basic',
          description: 'API credentials of the mall (`shopauth credentials create`; POD Shop\'s Client ID and Client Key): `Authorization: Basic base64(client_id:client_key)`. The role names are the scopes the call needs.',
        },
      },
    },
  };
}

function operation(r: Collected, described: Json | undefined, path: string): Json {
  const s = r.schema ?? {};
  const op: Json = {};
  if (s.summary) op.summary = s.summary;
  if (s.description) op.description = s.description;
  if (s.tags) op.tags = s.tags;
  if (s.security) op.security = s.security;
  const parameters: Json[] = [];
  const params = (s.params as Json | undefined)?.properties as Record<string, Json> | undefined;
  const describedParams = (described?.parameters as Json[] | undefined) ?? [];
  for (const name of [...path.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]!)) {
    const given = describedParams.find((p) => p.in === 'path' && p.name === name);
    if (given) parameters.push(given);
    else if (name === 'mall_id' && !params?.mall_id) parameters.push(MALL_ID_PARAM);
    else parameters.push({ name, in: 'path', required: true, schema: stripTitle(params?.[name] ?? { type: 'string' }) });
  }
  for (const [where, key] of [['query', 'querystring'], ['header', 'headers']] as const) {
    const part = s[key] as Json | undefined;
    const required = new Set((part?.required as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries((part?.properties as Record<string, Json> | undefined) ?? {})) {
      const { description, ...rest } = schema;
      parameters.push({ name, in: where, required: required.has(name), schema: stripTitle(rest), ...(description ? { description } : {}) });
    }
  }
  const admin = r.url.includes('/api/v2/admin/');
  if (admin) {
    parameters.push({ name: 'X-Cafe24-Api-Version', in: 'header', required: false, schema: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' }, description: `API version; absent: the app's configured version, else ${CURRENT_API_VERSION}; an expired one: the oldest still valid. Echoed in the response.` });
  }
  if (parameters.length > 0) op.parameters = parameters;
  if (s.body) op.requestBody = { required: true, content: { 'application/json': { schema: stripTitle(s.body as Json) } } };
  const responses: Record<string, Json> = {};
  const extraHeaders = (s.responseHeaders as Record<string, Json> | undefined) ?? {};
  for (const [code, schema] of Object.entries((s.response as Record<string, Json> | undefined) ?? {})) {
    const headers = { ...(admin ? adminHeaders(code) : r.url.includes('/ac/api/') ? callLimitHeaders(code) : {}), ...extraHeaders[code] };
    responses[code] = {
      description: Number(code) < 400 ? 'Success' : `Error, in the ${r.dialect === 'pod' ? 'POD Shop' : 'Cafe24'} shape`,
      content: { 'application/json': { schema } },
      ...(Object.keys(headers).length > 0 ? { headers } : {}),
    };
  }
  const merged = described ? { ...described, ...op, parameters: [...parameters.filter((p) => p.in === 'path'), ...describedParams.filter((p) => p.in !== 'path'), ...parameters.filter((p) => p.in !== 'path')] } : op;
  if (!(merged as Json).tags) merged.tags = [r.url.includes('/ac/') ? 'pod' : 'meta'];
  if (Object.keys(responses).length > 0) merged.responses = { ...(merged.responses as Json | undefined), ...responses };
  else if (!merged.responses) merged.responses = { default: { description: r.dialect === 'page' ? 'An HTML page' : 'A JSON response' } };
  if (((merged.parameters as Json[] | undefined) ?? []).length === 0) delete merged.parameters;
  return merged;
}

/** The rate limit's headers, on every answer to a call with valid credentials (both dialects). */
function callLimitHeaders(code: string): Json {
  const h: Json = {
    'X-Api-Call-Limit': { description: 'used/size of the leaky bucket of this (mall, app); absent when the app has no limit.', schema: { type: 'string', pattern: '^\\d+/\\d+$' } },
  };
  if (code === '429') h['Retry-After'] = { description: 'Seconds until one call fits.', schema: { type: 'integer' } };
  return h;
}

function adminHeaders(code: string): Json {
  const percent = (what: string) => ({ description: `Percent of this (mall, app)'s ${what} per window in use (the usage layer); absent when the app has it off.`, schema: { type: 'string', pattern: '^\\d{1,3}(\\.\\d{1,2})?$' } });
  const remain = (what: string) => ({ description: `Once the ${what} usage reaches 100 %: seconds until calls resume (calls made before then lengthen it).`, schema: { type: 'integer' } });
  return {
    ...callLimitHeaders(code),
    'X-Cafe24-Api-Version': { description: 'The API version in force.', schema: { type: 'string' } },
    'X-Cafe24-Call-Usage': percent('calls'),
    'X-Cafe24-Time-Usage': percent('processing time'),
    'X-Cafe24-Call-Remain': remain('call'),
    'X-Cafe24-Time-Remain': remain('processing time'),
  };
}

/** `title` here is the 422 message phrase (dialects/cafe24/schemas.ts); OpenAPI readers see description. Harmless, but kept out. */
function stripTitle(schema: Json): Json {
  return JSON.parse(JSON.stringify(schema, (k, v: unknown) => (k === 'title' && typeof v === 'string' ? undefined : v))) as Json;
}
