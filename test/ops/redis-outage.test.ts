import { spawn, type ChildProcess } from 'node:child_process';
import { PassThrough } from 'node:stream';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, describe, expect, test } from 'vitest';
import { authorizeUrl, Browser, readForm } from '../support/browser.js';
import { PASSWORD, seedApp, seedMall } from '../support/fixtures.js';
import { obtainTokens, postForm } from '../support/oauth.js';
import { startServer, type TestServer } from '../support/server.js';
import { freePort } from './support.js';

/**
 * Redis configured but unreachable (docs/operations.md): shopauth fails closed. Every call that
 * needs the shared state (the API bucket, the token endpoint limits, sign-in throttling) is
 * refused with 503 temporarily_unavailable and Retry-After: 1, /readyz says why, one loud log
 * line is written, and the metrics show it; when Redis is back, everything works again.
 * The test runs a redis-server of its own on a free port and stops it mid-test.
 */
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited ${code}: ${out}`)));
  });
  return child;
}

async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Polls /readyz (an event, bounded) until it answers `status`. */
async function readyBecomes(s: TestServer, status: number): Promise<Record<string, unknown>> {
  for (let i = 0; i < 200; i++) {
    const res = await fetch(`${s.url}/readyz`);
    const body = (await res.json()) as Record<string, unknown>;
    if (res.status === status) return body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`/readyz never answered ${status}`);
}

async function metric(s: TestServer, name: string): Promise<number> {
  const families = parsePrometheusTextFormat(await (await fetch(`${s.url}/metrics`)).text()) as { name: string; metrics: { value: string }[] }[];
  return Number(families.find((f) => f.name === name)?.metrics[0]?.value);
}

describe('Redis stops answering: fail closed, visibly; recover when it is back', () => {
  test('503 + Retry-After on the API, the token endpoint and sign-in; /readyz 503; one loud log line; metrics', async () => {
    const port = await freePort();
    let redis = await startRedis(port);
    const log = new PassThrough();
    const lines: string[] = [];
    log.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
    const s = await startServer({ config: { redisUrl: `redis://127.0.0.1:${port}`, logLevel: 'warn' }, log });
    try {
      await seedMall(s, 'mall1');
      const app = await seedApp(s);
      const pair = await obtainTokens(s, 'mall1', app);
      const api = () => fetch(`${s.mallUrl('mall1')}/api/v2/admin/store`, { headers: { authorization: `Bearer ${pair.access_token}` } });
      expect((await api()).status).toBe(200);
      expect(await readyBecomes(s, 200)).toMatchObject({ checks: { store: 'ok', shared_state: 'ok' }, shared_state: 'redis' });

      await stopRedis(redis);

      // The API: 503 in the Admin API's shape, at once (no waiting on reconnect attempts).
      const started = Date.now();
      const refused = await api();
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(await refused.json()).toEqual({ error: { code: 503, message: 'the rate limiter is unavailable; retry shortly', more_info: {}, trace_id: refused.headers.get('x-trace-id') } });
      expect(Date.now() - started).toBeLessThan(5000);

      // The token endpoint (its per-address limit): RFC 6749 §5.2 temporarily_unavailable.
      const token = await postForm(s, 'mall1', 'token', { grant_type: 'refresh_token', refresh_token: pair.refresh_token }, app);
      expect(token.status).toBe(503);
      expect(token.headers.get('retry-after')).toBe('1');
      expect(await token.json()).toEqual({ error: 'temporarily_unavailable', error_description: 'the rate limiter is unavailable; retry shortly', trace_id: token.headers.get('x-trace-id') });

      // Sign-in: refused, never unthrottled (the page says why).
      const browser = new Browser();
      const url = authorizeUrl(s, { mallId: 'mall1', clientId: app.clientId });
      const form = readForm(await (await browser.get(url)).text(), url);
      const login = await browser.post(form.action, { csrf_token: form.csrf, user_id: 'boss', password: PASSWORD });
      expect(login.status).toBe(503);
      expect(login.headers.get('retry-after')).toBe('1');
      expect(await login.text()).toContain('<strong>temporarily_unavailable</strong>: the rate limiter is unavailable; retry shortly');

      const notReady = await readyBecomes(s, 503);
      expect(notReady.status).toBe('unavailable');
      expect((notReady.checks as Record<string, string>).store).toBe('ok');
      expect((notReady.checks as Record<string, string>).shared_state).toMatch(/^redis is unreachable/);
      expect((await fetch(`${s.url}/healthz`)).status).toBe(200);

      expect(await metric(s, 'shopauth_shared_state_up')).toBe(0);
      expect(await metric(s, 'shopauth_shared_state_errors_total')).toBeGreaterThanOrEqual(3);
      const loud = lines.filter((l) => l.includes('SHARED STATE (REDIS) UNREACHABLE'));
      expect(loud).toHaveLength(1);
      expect(JSON.parse(loud[0]!)).toMatchObject({ level: 50, msg: 'SHARED STATE (REDIS) UNREACHABLE: rate-limited routes and sign-in answer 503 with Retry-After until it is back' });

      // Redis back: the same refresh token works (the refused call spent nothing).
      redis = await startRedis(port);
      await readyBecomes(s, 200);
      expect((await api()).status).toBe(200);
      const rotated = await postForm(s, 'mall1', 'token', { grant_type: 'refresh_token', refresh_token: pair.refresh_token }, app);
      expect(rotated.status).toBe(200);
      expect(await metric(s, 'shopauth_shared_state_up')).toBe(1);
      expect(lines.filter((l) => l.includes('shared state (redis) answers again'))).toHaveLength(1);
    } finally {
      await s.close();
      await stopRedis(redis);
    }
  }, 120_000);
});
