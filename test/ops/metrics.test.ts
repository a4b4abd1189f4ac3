import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { authorizeUrl, Browser, expectPageRefusal, readForm, WRONG_LOGIN } from '../support/browser.js';
import { seedApp, seedMall } from '../support/fixtures.js';
import { expectApiRefusal, expectRefusal, expectTokenError, obtainTokens, postForm, type TestClient } from '../support/oauth.js';
import { startServer, type TestServer } from '../support/server.js';
import { basic } from '../support/fixtures.js';
import { post, seedCredentials, type PodTokens } from '../podshop/support.js';

/**
 * GET /metrics (docs/operations.md): the Prometheus text format, read back with a text-format
 * parser (not prom-client's own registry), and the counters move as the test acts.
 */
interface Sample {
  value?: string;
  labels?: Record<string, string>;
  count?: string;
  sum?: string;
  buckets?: Record<string, string>;
}
interface Family {
  name: string;
  help: string;
  type: string;
  metrics: Sample[];
}

let lastText = '';
async function scrape(s: TestServer, headers: Record<string, string> = {}): Promise<Map<string, Family>> {
  const res = await fetch(`${s.url}/metrics`, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  lastText = await res.text();
  const families = parsePrometheusTextFormat(lastText) as Family[];
  return new Map(families.map((f) => [f.name, f]));
}

/** The value of one series (labels matched exactly), 0 when it is not there yet. */
function value(m: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  const family = m.get(name);
  if (!family) throw new Error(`no metric ${name}`);
  const sample = family.metrics.find((x) => JSON.stringify(x.labels ?? {}) === JSON.stringify(labels));
  return Number(sample?.value ?? sample?.count ?? 0);
}

let s: TestServer;
let app: TestClient;
beforeAll(async () => {
  // A tiny API bucket that never drains (the ManualClock stands still): the second call is a 429.
  s = await startServer({ config: { rateLimit: { size: 1, perSecond: 1 } } });
  await seedMall(s, 'mall1');
  app = await seedApp(s);
});
afterAll(async () => {
  await s.close();
});

describe('GET /metrics', () => {
  test('parses as the text format, with every documented family and the process metrics', async () => {
    const m = await scrape(s);
    expect(m.get('shopauth_http_requests_total')?.type).toBe('COUNTER');
    expect(m.get('shopauth_http_request_duration_seconds')?.type).toBe('HISTOGRAM');
    for (const name of ['shopauth_tokens_issued_total', 'shopauth_refresh_reuse_detected_total', 'shopauth_rate_limited_total', 'shopauth_login_failures_total', 'shopauth_store_errors_total', 'shopauth_shared_state_errors_total']) {
      expect(m.get(name)?.type, name).toBe('COUNTER');
    }
    expect(m.get('shopauth_shared_state_up')?.metrics).toEqual([{ value: '1' }]);
    expect(m.get('shopauth_info')?.metrics).toEqual([{ value: '1', labels: { store: 'sqlite', shared_state: 'memory' } }]);
    // Node's default metrics (prom-client collectDefaultMetrics).
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) expect(m.has(name), name).toBe(true);
    expect(value(m, 'shopauth_store_errors_total', { source: 'request', dialect: 'sqlite' })).toBe(0);
  });

  test('requests are counted by route pattern (not the raw URL) and status, with a latency histogram', async () => {
    const before = await scrape(s);
    const route = '/malls/:mall_id/api/v2/oauth/token';
    const was = value(before, 'shopauth_http_requests_total', { route, method: 'POST', status: '400' });
    const res = await postForm(s, 'mall1', 'token', { grant_type: 'refresh_token', refresh_token: 'nope' }, app);
    await expectTokenError(res, 400, 'invalid_grant', 'the refresh token is invalid');
    const after = await scrape(s);
    expect(value(after, 'shopauth_http_requests_total', { route, method: 'POST', status: '400' })).toBe(was + 1);
    // The parser keeps a labelled histogram's buckets but drops its labels, _sum and _count
    // (parse-prometheus-text-format 1.1.1 only flattens unlabelled ones): those are read off the text.
    expect(after.get('shopauth_http_request_duration_seconds')!.metrics.some((x) => x.buckets?.['+Inf'] !== undefined)).toBe(true);
    const series = `{route="${route}",method="POST"}`;
    const count = Number(new RegExp(`^shopauth_http_request_duration_seconds_count${series.replace(/[{}/:]/g, '\\$&')} (\\d+)$`, 'm').exec(lastText)?.[1]);
    const inf = Number(new RegExp(`^shopauth_http_request_duration_seconds_bucket\\{route="${route}",method="POST",le="\\+Inf"\\} (\\d+)$`, 'm').exec(lastText)?.[1]);
    expect(count).toBeGreaterThanOrEqual(1);
    expect(inf).toBe(count);
    // No series carries a raw mall id or query string.
    const routes = after.get('shopauth_http_requests_total')!.metrics.map((x) => x.labels?.route);
    expect(routes.some((r) => r?.includes('mall1'))).toBe(false);
    // An unknown path is one bounded series.
    const unknown = await fetch(`${s.url}/no/such/${Date.now()}`);
    await expectRefusal(unknown, 404, { error: { code: 404, message: 'no such resource', more_info: {}, trace_id: unknown.headers.get('x-trace-id') } });
    expect(value(await scrape(s), 'shopauth_http_requests_total', { route: 'unmatched', method: 'GET', status: '404' })).toBe(1);
  });

  test('a token issued, a reuse detected, a 429 and a login failure each move their counter', async () => {
    const before = await scrape(s);
    const issued = (m: Map<string, Family>, grant: string) => value(m, 'shopauth_tokens_issued_total', { grant, dialect: 'cafe24' });

    const pair = await obtainTokens(s, 'mall1', app);
    const rotated = await postForm(s, 'mall1', 'token', { grant_type: 'refresh_token', refresh_token: pair.refresh_token }, app);
    expect(rotated.status).toBe(200);
    const fresh = (await rotated.json()) as { access_token: string };
    const reused = await postForm(s, 'mall1', 'token', { grant_type: 'refresh_token', refresh_token: pair.refresh_token }, app);
    await expectTokenError(reused, 400, 'invalid_grant', 'the refresh token has already been used; its token family is revoked');

    const api = () => fetch(`${s.mallUrl('mall1')}/api/v2/admin/store`, { headers: { authorization: `Bearer ${fresh.access_token}` } });
    await expectApiRefusal(await api(), 401, 'the access token has been revoked'); // the family is revoked by the reuse
    const other = await obtainTokens(s, 'mall1', app);
    const call = () => fetch(`${s.mallUrl('mall1')}/api/v2/admin/store`, { headers: { authorization: `Bearer ${other.access_token}` } });
    expect((await call()).status).toBe(200);
    const limited = await call();
    await expectRefusal(limited, 429, { error: { code: 429, message: 'too many calls: the limit is 1 calls, drained 1 per second; retry after 1 s', more_info: {}, trace_id: limited.headers.get('x-trace-id') } }, { 'retry-after': '1' });

    const browser = new Browser();
    const url = authorizeUrl(s, { mallId: 'mall1', clientId: app.clientId });
    const form = readForm(await (await browser.get(url)).text(), url);
    await expectPageRefusal(await browser.post(form.action, { csrf_token: form.csrf, user_id: 'boss', password: 'wrong-password' }), 401, WRONG_LOGIN);

    const after = await scrape(s);
    expect(issued(after, 'authorization_code')).toBe(issued(before, 'authorization_code') + 2);
    expect(issued(after, 'refresh_token')).toBe(issued(before, 'refresh_token') + 1);
    expect(value(after, 'shopauth_refresh_reuse_detected_total')).toBe(value(before, 'shopauth_refresh_reuse_detected_total') + 1);
    const adminRoute = { route: '/malls/:mall_id/api/v2/admin/store' };
    expect(value(after, 'shopauth_rate_limited_total', adminRoute)).toBe(value(before, 'shopauth_rate_limited_total', adminRoute) + 1);
    expect(value(after, 'shopauth_login_failures_total', { reason: 'wrong_credentials' })).toBe(value(before, 'shopauth_login_failures_total', { reason: 'wrong_credentials' }) + 1);
  });

  test('POD Shop tokens count under the pod dialect', async () => {
    const before = await scrape(s);
    const creds = await seedCredentials(s, 'mall1');
    const res = await post(`${s.url}/ac/oauth/ext/token`, basic(creds.clientId, creds.clientKey));
    expect(res.status).toBe(200);
    const t = (await res.json()) as PodTokens;
    const refreshed = await post(`${s.url}/ac/oauth/ext/token/refresh?refreshToken=${t.refresh_token}`, basic(creds.clientId, creds.clientKey));
    expect(refreshed.status).toBe(200);
    const after = await scrape(s);
    for (const grant of ['pod_shop_credentials', 'pod_shop_refresh']) {
      expect(value(after, 'shopauth_tokens_issued_total', { grant, dialect: 'pod' }), grant).toBe(value(before, 'shopauth_tokens_issued_total', { grant, dialect: 'pod' }) + 1);
    }
  });

  test('without a metrics token only a direct loopback caller is answered', async () => {
    const relayed = await fetch(`${s.url}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(relayed.status).toBe(403);
    expect(await relayed.json()).toEqual({
      error: { code: 403, message: 'GET /metrics answers loopback callers only unless a metrics token is set (--metrics-token)', more_info: {}, trace_id: relayed.headers.get('x-trace-id') },
    });
  });
});

describe('GET /metrics with --metrics-token', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startServer({ config: { metricsToken: 'scrape-token-0123456789abcdef' } });
  });
  afterAll(async () => {
    await t.close();
  });

  test('needs the bearer token; a wrong or missing one is a 401 with WWW-Authenticate', async () => {
    for (const authorization of [undefined, 'Bearer scrape-token-0123456789abcdeX', 'Basic c2NyYXBlOnRva2Vu']) {
      const res = await fetch(`${t.url}/metrics`, { headers: authorization ? { authorization } : {} });
      const body = { error: { code: 401, message: 'GET /metrics needs Authorization: Bearer with the metrics token', more_info: {}, trace_id: res.headers.get('x-trace-id') } };
      await expectRefusal(res, 401, body, { 'www-authenticate': 'Bearer realm="shopauth-metrics"' });
    }
    // With the token, even a relayed caller is answered (the token is the protection).
    const m = await scrape(t, { authorization: 'Bearer scrape-token-0123456789abcdef', 'x-forwarded-for': '203.0.113.9' });
    expect(m.has('shopauth_http_requests_total')).toBe(true);
  });
});

describe('GET /healthz and /readyz', () => {
  test('alive, and ready while the store and the shared state answer', async () => {
    const health = await fetch(`${s.url}/healthz`);
    expect({ status: health.status, body: await health.json(), cache: health.headers.get('cache-control') }).toEqual({ status: 200, body: { status: 'ok' }, cache: 'no-store' });
    const ready = await fetch(`${s.url}/readyz`);
    expect({ status: ready.status, body: await ready.json() }).toEqual({
      status: 200,
      body: { status: 'ready', checks: { store: 'ok', shared_state: 'ok' }, store: 'sqlite', shared_state: 'memory' },
    });
  });

  test('a closed store makes /readyz 503 with the reason; /healthz stays 200', async () => {
    const t = await startServer();
    await t.store.close();
    const ready = await fetch(`${t.url}/readyz`);
    await expectRefusal(ready, 503, { status: 'unavailable', checks: { store: 'driver has already been destroyed', shared_state: 'ok' }, store: 'sqlite', shared_state: 'memory' }, { 'cache-control': 'no-store' });
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    const m = await scrape(t);
    expect(value(m, 'shopauth_store_errors_total', { source: 'readyz', dialect: 'sqlite' })).toBe(1);
    await t.app.close();
  });
});
