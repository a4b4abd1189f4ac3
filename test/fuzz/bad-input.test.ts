import * as http from 'node:http';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { authorizeUrl, Browser, readForm } from '../support/browser.js';
import { basic, REDIRECT_URI, seedApp, seedMall } from '../support/fixtures.js';
import { obtainTokens, pkce, type TestClient, type TokenPair } from '../support/oauth.js';
import { startServer, type TestServer } from '../support/server.js';

/**
 * The bad-input suite (issue 5): property-based requests against every route the server has
 * (discovered from the router, so new endpoints are covered without editing this file): wrong
 * methods, missing, duplicated and junk parameters, wrong content types, huge bodies, invalid
 * UTF-8, odd headers. Properties: never a 5xx, never a connection closed without an answer, never
 * a secret or token the fuzzer holds in a body or header; every error is well formed in the
 * dialect of the route that answered (RFC 6749 §5.2 JSON, HTML page or redirect, Cafe24 API JSON,
 * POD Shop JSON) and carries the trace id; and the server keeps serving. A case that breaks one
 * fails the property: fast-check shrinks it and prints it with the seed (SHOPAUTH_FUZZ_SEED replays).
 */
const RUNS = Number(process.env.SHOPAUTH_FUZZ_RUNS ?? 8000);
/** One seed for every run, printed: a failure replays (and shrinks) with SHOPAUTH_FUZZ_SEED=<seed>. */
const SEED = Number(process.env.SHOPAUTH_FUZZ_SEED ?? 1_403_2026);

let s: TestServer;
let app: TestClient;
let pub: TestClient;
let tokens: TokenPair;
let routes: Array<{ path: string; methods: string[] }>;

/** Parses fastify's printRoutes tree into full paths and methods. */
function discoverRoutes(tree: string): Array<{ path: string; methods: string[] }> {
  const out: Array<{ path: string; methods: string[] }> = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^([│ ]*)[├└]── (\S+)(?: \(([^)]*)\))?/.exec(line);
    if (!m) continue;
    const depth = [...m[1]!].length / 4;
    const path = (stack[depth - 1] ?? '') + m[2]!;
    stack[depth] = path;
    stack.length = depth + 1;
    if (m[3]) out.push({ path, methods: m[3].split(', ') });
  }
  return out;
}

/** The server's error log lines (level 50), to explain any 5xx. */
const serverErrors: string[] = [];

beforeAll(async () => {
  const log = new PassThrough();
  log.on('data', (line: Buffer) => {
    const text = line.toString();
    if (text.includes('"level":50')) serverErrors.push(text.slice(0, 1500));
  });
  // Input handling, not rate limits: thousands of requests from one address would meet the token endpoints' per-address limit (test/security/ covers it).
  s = await startServer({ log, config: { logLevel: 'error', tokenRateLimit: null } });
  await seedMall(s, 'mall1');
  app = await seedApp(s);
  pub = await seedApp(s, { public: true });
  tokens = await obtainTokens(s, 'mall1', app);
  routes = discoverRoutes(s.app.printRoutes({ commonPrefix: false }));
});
afterAll(async () => {
  await s?.close();
});

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * One raw HTTP/1.1 request. A server may answer a huge body early (413) and close the
 * connection while the body is still being written: the response counts; a reset before any
 * response is reported as status 0 with the error, and only accepted for huge bodies.
 */
function send(method: string, path: string, headers: Record<string, string | string[]>, body: Buffer | null): Promise<RawResponse> {
  const url = new URL(s.url);
  return new Promise((resolve) => {
    let answered: RawResponse | undefined;
    // Framed with Content-Length (Node would send a DELETE/OPTIONS body unframed); unframed bytes are the raw-socket test's.
    const framed = body ? { ...headers, 'content-length': String(body.length) } : headers;
    const req = http.request({ host: url.hostname, port: url.port, method, path, headers: framed, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      answered = { status: res.statusCode ?? 0, headers: res.headers, body: '' };
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ ...answered!, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', () => resolve(answered!));
    });
    req.on('error', (error) => resolve(answered ?? { status: 0, headers: {}, body: String(error) }));
    if (body) req.end(body);
    else req.end();
  });
}

// ---- arbitraries ----------------------------------------------------------------------------

const PARAM_NAMES = [
  'response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'code_challenge', 'code_challenge_method', 'grant_type', 'code',
  'refresh_token', 'refreshToken', 'token', 'token_type_hint', 'token_hint', 'client_secret', 'code_verifier', 'csrf_token', 'user_id',
  'password', 'decision', 'limit', 'offset', 'fields', 'embed', 'since_id', 'product_no', 'pageNo', 'pageSize', 'shop_no', '__proto__',
  'constructor', 'hasOwnProperty',
];
const junk = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '%', '%FF', '%E0%A4%A', '\u0000', '\uFFFF', '\uD800', '-1', '0', '1e309', 'NaN', 'null', '[]', '{}', 'a'.repeat(5000)),
);
const value = fc.oneof(
  junk,
  fc.constantFrom('code', 'token', 'authorization_code', 'refresh_token', 'client_credentials', 'S256', 'plain', 'allow', 'deny',
    'mall.read_store', 'mall.read_store,mall.read_product', REDIRECT_URI, 'boss', 'access_token', '100', '10'),
  fc.constant('CLIENT_ID'), fc.constant('PUBLIC_ID'), fc.constant('ACCESS'), fc.constant('REFRESH'), fc.constant('SECRET'),
);
const params = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...PARAM_NAMES), fc.string({ maxLength: 12 })), value), { maxLength: 8 });

const contentType = fc.option(
  fc.constantFrom(
    'application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=utf-8', 'application/x-www-form-urlencoded; charset=latin1',
    'application/json', 'application/json; charset=utf-16', 'text/plain', 'multipart/form-data; boundary=x', 'application/xml',
    '*/*', '', ';;;', 'application/x-www-form-urlencoded, application/json', 'APPLICATION/JSON',
  ),
  { nil: undefined },
);
const authorization = fc.option(
  fc.oneof(
    fc.constantFrom('VALID_BASIC', 'PUBLIC_BASIC', 'BEARER', 'Basic', 'Basic !!!', 'Basic Og==', 'Bearer', 'bearer ', 'Digest x', 'Basic ' + 'A'.repeat(6000)),
    fc.string({ maxLength: 60 }).map((x) => `Basic ${Buffer.from(x).toString('base64')}`),
    fc.string({ maxLength: 60 }).map((x) => `Bearer ${x.replace(/[^\x21-\x7e]/g, 'x')}`),
  ),
  { nil: undefined },
);

type BodyKind = { kind: 'none' } | { kind: 'form'; params: Array<[string, string]> } | { kind: 'json'; json: string } | { kind: 'bytes'; bytes: Uint8Array } | { kind: 'huge'; size: number };
const body: fc.Arbitrary<BodyKind> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 4, arbitrary: params.map((p) => ({ kind: 'form' as const, params: p })) },
  { weight: 2, arbitrary: fc.json({ maxDepth: 3 }).map((j) => ({ kind: 'json' as const, json: j })) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => ({ kind: 'bytes' as const, bytes: b })) },
  { weight: 1, arbitrary: fc.constantFrom(17 * 1024, 300 * 1024, 1100 * 1024).map((size) => ({ kind: 'huge' as const, size })) },
);

const request = fc.record({
  route: fc.nat(),
  method: fc.oneof({ weight: 3, arbitrary: fc.constant('ROUTE') }, { weight: 2, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD') }),
  mall: fc.constantFrom('mall1', 'mall1', 'mall1', 'nomall', 'MALL1', '%FF', 'a'.repeat(300)),
  pathParam: junk.map((x) => pct(x).slice(0, 300) || '1'),
  query: params,
  rawQuery: fc.option(fc.constantFrom('%', '%FF%FE', 'a=%E0%A4%A', '&&&=&=', 'a[b]=1&a[c]=2', 'a=1&a=2&a=3', '__proto__[x]=1'), { nil: undefined }),
  contentType,
  authorization,
  duplicateAuth: fc.boolean(),
  cookie: fc.option(fc.constantFrom('shopauth_sid=' + 'A'.repeat(43), 'shopauth_sid=', 'shopauth_sid=%FF', '=;;=', 'a=b; a=c'), { nil: undefined }),
  forwardedProto: fc.option(fc.constantFrom('https', 'http', 'gopher', 'https, http'), { nil: undefined }),
  apiVersion: fc.option(fc.constantFrom('2025-01-01', 'x', '9999-99-99', ''), { nil: undefined }),
  body,
});

/** Percent-encodes the UTF-8 bytes (lone surrogates become U+FFFD, as a browser would send). */
const pct = (x: string): string => [...Buffer.from(x, 'utf8')].map((b) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');

function substitute(v: string): string {
  switch (v) {
    case 'CLIENT_ID': return app.clientId;
    case 'PUBLIC_ID': return pub.clientId;
    case 'ACCESS': return tokens.access_token;
    case 'REFRESH': return tokens.refresh_token;
    case 'SECRET': return app.clientSecret;
    default: return v;
  }
}

/** The dialect a route's errors are written in (http/errors.ts), by path. */
function dialectOf(path: string): 'oauth' | 'page' | 'api' | 'pod' {
  if (/\/api\/v2\/oauth\/authorize$/.test(path) || /(^|\/)console(\/|$)/.test(path) || /^\/demo(\/callback)?$/.test(path) || /^\/(developers|ui)(\/|$)/.test(path)) return 'page';
  if (/\/api\/v2\/oauth\//.test(path)) return 'oauth';
  if (/(^|\/)ac\//.test(path)) return 'pod';
  return 'api';
}

const OAUTH_ERRORS = new Set(['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope', 'unsupported_token_type', 'access_denied', 'temporarily_unavailable']);

/**
 * The secrets and tokens the fuzzer holds (and sends): none may come back in a body or a header.
 * One the request put in its own URL may come back to it where the URL is echoed (a page's form
 * action, the `state` of a redirect, RFC 6749 §4.1.2), never in a JSON body (an error message).
 */
function leakedSecret(res: RawResponse, url: string): string | null {
  const secrets: Array<[string, string]> = [
    ['client secret', app.clientSecret], ['access token', tokens.access_token], ['refresh token', tokens.refresh_token],
    ['server key', s.ctx.serverKey.toString('base64url')], ['server key', s.ctx.serverKey.toString('hex')],
  ];
  const json = String(res.headers['content-type'] ?? '').startsWith('application/json');
  const seen = [res.body, ...Object.values(res.headers).flat()].join('\n');
  for (const [name, value] of secrets) {
    if (!json && url.includes(value)) continue;
    if (seen.includes(value)) return `the ${name} is in the response`;
  }
  return null;
}

/** Returns a description of what is wrong with the response, or null. */
function problem(res: RawResponse, url: string, method: string, dialect: ReturnType<typeof dialectOf>): string | null {
  if (res.status >= 500) return `status ${res.status}`;
  const leak = leakedSecret(res, url);
  if (leak) return leak;
  if (!/^[0-9a-f]{24}$/.test(String(res.headers['x-trace-id']))) return 'no x-trace-id';
  if (res.status < 400 || method === 'HEAD') return null;
  const type = String(res.headers['content-type'] ?? '');
  if (dialect === 'page' && type.startsWith('text/html')) {
    if (res.headers['x-frame-options'] !== 'DENY') return 'page without X-Frame-Options';
    return res.body.includes('<h1>') ? null : 'page without content';
  }
  if (!type.startsWith('application/json')) return `content-type ${type} in ${dialect}`;
  let b: Record<string, unknown>;
  try {
    b = JSON.parse(res.body) as Record<string, unknown>;
  } catch {
    return 'malformed JSON';
  }
  const api = () => {
    const e = b.error as Record<string, unknown> | undefined;
    return typeof e === 'object' && e !== null && e.code === res.status && typeof e.message === 'string';
  };
  // Before a route is chosen (unknown mall: 404; undecodable URL: 400; over-long segment: 414) the
  // router answers in the API's shape (tenancy.ts, server.ts frameworkErrors).
  const routerError = () =>
    api() && (res.status === 404 || res.status === 414 || (res.status === 400 && (b.error as { message?: string }).message === 'the URL is malformed'));
  switch (dialect) {
    case 'oauth':
      if (typeof b.error === 'string' && OAUTH_ERRORS.has(b.error) && typeof b.error_description === 'string' && b.trace_id === res.headers['x-trace-id']) return null;
      // Unknown mall or unmatched method: the router's 404, in the API's shape (tenancy.ts).
      return routerError() ? null : `bad oauth error ${res.body.slice(0, 200)}`;
    case 'pod':
      if (b.status === res.status && (typeof b.error === 'string' || typeof b.detail === 'string')) return null;
      return routerError() ? null : `bad pod error ${res.body.slice(0, 200)}`;
    case 'page':
    case 'api':
      return api() ? null : `bad api error ${res.body.slice(0, 200)}`;
  }
}

/** The server keeps serving after a storm: a full authorization-code flow, then an API call with its token. */
async function expectStillServing(): Promise<void> {
  s.clock.advance(10 * 60_000); // the storm's login attempts and API calls have filled the throttles' buckets
  const fresh = await obtainTokens(s, 'mall1', app);
  const res = await fetch(`${s.mallUrl('mall1')}/api/v2/admin/store`, { headers: { authorization: `Bearer ${fresh.access_token}` } });
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ store: { mall_id: 'mall1' } });
  const page = await fetch(authorizeUrl(s, { mallId: 'mall1', clientId: app.clientId }));
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('name="csrf_token"');
}

describe('bad input never breaks the server', () => {
  test('every route has been discovered, the OAuth ones included', () => {
    const paths = routes.map((r) => r.path);
    if (process.env.SHOPAUTH_FUZZ_LOG) console.log(paths.join('\n'));
    for (const p of [
      '/malls/:mall_id/api/v2/oauth/token', '/malls/:mall_id/api/v2/oauth/revoke', '/malls/:mall_id/api/v2/oauth/introspect',
      '/malls/:mall_id/api/v2/oauth/authorize', '/.well-known/oauth-authorization-server/malls/:mall_id', '/ac/oauth/ext/token',
      '/malls/:mall_id/api/v2/admin/store', '/openapi.json',
    ]) {
      expect(paths).toContain(p);
    }
  });

  test(`${RUNS} random requests: never a 5xx, a reset or a secret in the answer, always a well-formed error of the route's dialect`, async () => {
    let count = 0;
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const route = routes[r.route % routes.length]!;
        const method = r.method === 'ROUTE' ? route.methods[r.route % route.methods.length]! : r.method;
        const path = route.path.replace(':mall_id', r.mall).replace(/:[a-z_]+/g, r.pathParam);
        const query = new URLSearchParams(r.query.map(([k, v]) => [k, substitute(v)] as [string, string])).toString();
        const qs = [query, r.rawQuery].filter(Boolean).join('&');
        const headers: Record<string, string | string[]> = {};
        if (r.contentType !== undefined) headers['content-type'] = r.contentType;
        if (r.authorization !== undefined) {
          const a = r.authorization === 'VALID_BASIC' ? basic(app.clientId, app.clientSecret)
            : r.authorization === 'PUBLIC_BASIC' ? basic(pub.clientId, '')
            : r.authorization === 'BEARER' ? `Bearer ${tokens.access_token}` : r.authorization;
          headers.authorization = r.duplicateAuth ? [a, 'Basic Og=='] : a;
        }
        if (r.cookie !== undefined) headers.cookie = r.cookie;
        if (r.forwardedProto !== undefined) headers['x-forwarded-proto'] = r.forwardedProto;
        if (r.apiVersion !== undefined) headers['x-cafe24-api-version'] = r.apiVersion;
        let payload: Buffer | null = null;
        switch (r.body.kind) {
          case 'form': payload = Buffer.from(r.body.params.map(([k, v]) => `${pct(k)}=${pct(substitute(v))}`).join('&')); break;
          case 'json': payload = Buffer.from(r.body.json); break;
          case 'bytes': payload = Buffer.from(r.body.bytes); break;
          case 'huge': payload = Buffer.alloc(r.body.size, 'a=b&'); break;
        }
        if (payload && (method === 'GET' || method === 'HEAD')) payload = null;
        const target = qs ? `${path}?${qs}` : path;
        const res = await send(method, target, headers, payload);
        count++;
        // A method the route does not have is the not-found handler's answer: POD Shop's shape under
        // /ac/ (that dialect's clients), the API's shape elsewhere (server.ts).
        const dialect = route.methods.includes(method) || dialectOf(route.path) === 'pod' ? dialectOf(route.path) : 'api';
        const wrong = res.status === 0 ? `no response: ${res.body}` : problem(res, target, method, dialect);
        // A failing case fails the property: fast-check shrinks it and prints it with the seed.
        expect(wrong, `${method} ${path}?${qs.slice(0, 120)} [${JSON.stringify(headers).slice(0, 200)}] body=${r.body.kind}: ${res.status}`).toBeNull();
      }),
      { numRuns: RUNS, seed: SEED },
    );
    console.log(`fuzz: ${count} requests over ${routes.length} routes in ${Date.now() - started} ms (seed ${SEED})`);
    expect(serverErrors).toEqual([]);
    await expectStillServing();
  }, 180_000);

  test('bytes that are not HTTP, and oversized headers, on a raw socket: the API error shape with a trace id', async () => {
    const net = await import('node:net');
    const raw = (bytes: Buffer) =>
      new Promise<string>((resolve) => {
        const url = new URL(s.url);
        const socket = net.connect(Number(url.port), url.hostname, () => socket.end(bytes));
        let out = '';
        socket.on('data', (d) => (out += d.toString('latin1')));
        socket.on('close', () => resolve(out));
        socket.on('error', () => resolve(out));
      });
    const garbage = await raw(Buffer.from([0x47, 0x45, 0x54, 0x20, 0xff, 0x00, 0x0d, 0x0a, 0x0d, 0x0a]));
    expect(garbage).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(garbage).toMatch(/\r\nx-trace-id: [0-9a-f]{24}\r\n/);
    expect(JSON.parse(garbage.split('\r\n\r\n')[1]!)).toMatchObject({ error: { code: 400, message: 'the request is not valid HTTP' } });
    const huge = await raw(Buffer.from(`GET /malls/mall1/api/v2/admin/store HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`));
    expect(huge).toMatch(/^HTTP\/1\.1 431 /);
    // Request smuggling shapes: both Content-Length and Transfer-Encoding; a bad chunk size.
    const smuggle = await raw(Buffer.from('POST /malls/mall1/api/v2/oauth/token HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'));
    expect(smuggle).toMatch(/^HTTP\/1\.1 400 /);
    const chunk = await raw(Buffer.from('POST /malls/mall1/api/v2/oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n'));
    expect(chunk).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(huge.split('\r\n\r\n')[1]!)).toMatchObject({ error: { code: 431 } });
  });

  test(`${Math.round(RUNS / 4)} near-valid OAuth requests (one parameter dropped, repeated, emptied or replaced): never a 5xx, always the route's error shape`, async () => {
    // A browser session with its CSRF token, so login and consent POSTs reach the real checks.
    const browser = new Browser();
    const authorizeQuery = { response_type: 'code', client_id: app.clientId, redirect_uri: REDIRECT_URI, scope: 'mall.read_store', state: 's', code_challenge: pkce().challenge, code_challenge_method: 'S256' };
    const authUrl = `${s.mallUrl('mall1')}/api/v2/oauth/authorize?${new URLSearchParams(authorizeQuery).toString()}`;
    const form = readForm(await (await browser.get(authUrl)).text(), authUrl);
    const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const fresh = await obtainTokens(s, 'mall1', app);
    const bases: Array<{ method: 'GET' | 'POST'; path: string; query: Record<string, string>; body: Record<string, string> | null; headers: Record<string, string> }> = [
      { method: 'GET', path: '/malls/mall1/api/v2/oauth/authorize', query: authorizeQuery, body: null, headers: {} },
      { method: 'POST', path: '/malls/mall1/api/v2/oauth/authorize', query: authorizeQuery, body: { csrf_token: form.csrf, user_id: 'boss', password: 'wrong-password' }, headers: { cookie } },
      { method: 'POST', path: '/malls/mall1/api/v2/oauth/authorize', query: authorizeQuery, body: { csrf_token: form.csrf, decision: 'allow' }, headers: { cookie } },
      { method: 'POST', path: '/malls/mall1/api/v2/oauth/token', query: {}, body: { grant_type: 'authorization_code', code: 'A'.repeat(22), redirect_uri: REDIRECT_URI, code_verifier: pkce().verifier }, headers: { authorization: basic(app.clientId, app.clientSecret) } },
      { method: 'POST', path: '/malls/mall1/api/v2/oauth/token', query: {}, body: { grant_type: 'refresh_token', refresh_token: fresh.refresh_token, scope: 'mall.read_store' }, headers: { authorization: basic(app.clientId, app.clientSecret) } },
      { method: 'POST', path: '/malls/mall1/api/v2/oauth/token', query: {}, body: { grant_type: 'authorization_code', code: 'A'.repeat(22), redirect_uri: REDIRECT_URI, client_id: pub.clientId, code_verifier: pkce().verifier }, headers: {} },
      { method: 'POST', path: '/malls/mall1/api/v2/oauth/revoke', query: {}, body: { token: fresh.access_token, token_type_hint: 'access_token' }, headers: { authorization: basic(app.clientId, app.clientSecret) } },
      { method: 'POST', path: '/malls/mall1/api/v2/oauth/introspect', query: {}, body: { token: fresh.access_token, token_type_hint: 'access_token' }, headers: { authorization: basic(app.clientId, app.clientSecret) } },
    ];
    const mutation = fc.record({
      base: fc.nat({ max: bases.length - 1 }),
      where: fc.constantFrom('query', 'body'),
      op: fc.constantFrom('drop', 'repeat', 'empty', 'junk', 'add'),
      index: fc.nat(),
      junk: value,
      name: fc.constantFrom(...PARAM_NAMES),
    });
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const b = bases[m.base]!;
        const target = m.where === 'query' || b.body === null ? b.query : b.body;
        const pairs: Array<[string, string]> = Object.entries(target);
        const i = pairs.length === 0 ? 0 : m.index % pairs.length;
        const junk = substitute(m.junk);
        if (pairs.length > 0) {
          if (m.op === 'drop') pairs.splice(i, 1);
          else if (m.op === 'repeat') pairs.push([pairs[i]![0], junk]);
          else if (m.op === 'empty') pairs[i] = [pairs[i]![0], ''];
          else if (m.op === 'junk') pairs[i] = [pairs[i]![0], junk];
        }
        if (m.op === 'add') pairs.push([m.name, junk]);
        const encode = (p: Array<[string, string]>) => p.map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&');
        const query = encode(target === b.query ? pairs : Object.entries(b.query));
        const body = b.body === null ? null : Buffer.from(encode(target === b.body ? pairs : Object.entries(b.body)));
        const headers = { ...b.headers, ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) };
        const sent = query ? `${b.path}?${query}` : b.path;
        const res = await send(b.method, sent, headers, body);
        const wrong = res.status === 0 ? `no response: ${res.body}` : problem(res, sent, b.method, dialectOf(b.path));
        expect(wrong, `${b.method} ${b.path} ${m.op} ${m.where}[${i}] -> ${res.status}`).toBeNull();
      }),
      { numRuns: Math.round(RUNS / 4), seed: SEED },
    );
    expect(serverErrors).toEqual([]);
    await expectStillServing();
  }, 180_000);
});
