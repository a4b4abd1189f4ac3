import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, test } from 'vitest';
import { basic } from '../support/fixtures.js';
import type { TestClient, TokenPair } from '../support/oauth.js';
import { obtainFrom, seedByCli, serve, tokenRequest, type Served } from './support.js';

/**
 * Graceful shutdown (docs/operations.md): SIGTERM while 30 requests are in flight. Each request
 * has sent its headers (the server logged it as incoming) but only half of its body when the
 * signal arrives, so it is certainly accepted and not finished; the rest of each body is sent
 * after the server says it is stopping. Every one gets its complete answer, the process exits 0,
 * the audit batch was flushed (every token.issued is in the table), and the rotated tokens are
 * there after a restart.
 */
const SECRET = 'shutdown-test-server-key-0123456789';
const running: Served[] = [];
afterAll(async () => {
  for (const s of running) await s.stop('SIGKILL');
});

interface Slow {
  finish(): void;
  response: Promise<{ status: number; body: Record<string, unknown> }>;
}

/** A form POST that sends its headers and half its body now, the rest on finish(). */
function slowPost(url: string, client: TestClient, params: Record<string, string>): Slow {
  const body = Buffer.from(new URLSearchParams(params).toString());
  const half = Math.floor(body.length / 2);
  let finish = () => {};
  const response = new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(body.length), authorization: basic(client.clientId, client.clientSecret) },
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.write(body.subarray(0, half));
    finish = () => req.end(body.subarray(half));
  });
  return { finish: () => finish(), response };
}

describe('SIGTERM under load', () => {
  test('30 accepted, unfinished requests all complete; exit 0; audit flushed; the new tokens are stored', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'shopauth-shutdown-')), 'shop.db');
    const env = { SHOPAUTH_SECRET: SECRET, SHOPAUTH_DB: db };
    const client = await seedByCli(db);
    const args = ['--rate-limit', 'off', '--token-rate-limit', 'off', '--shutdown-timeout', '60'];
    const s = await serve(args, { ...env, SHOPAUTH_LOG_LEVEL: 'info' });
    running.push(s);
    const pairs: TokenPair[] = [];
    for (let i = 0; i < 12; i++) pairs.push(await obtainFrom(s, client));

    const incoming = () => s.count(/"msg":"incoming request"/);
    const before = incoming();
    const token = `${s.mallUrl('mall1')}/api/v2/oauth/token`;
    const introspect = `${s.mallUrl('mall1')}/api/v2/oauth/introspect`;
    const refreshes = pairs.map((p) => slowPost(token, client, { grant_type: 'refresh_token', refresh_token: p.refresh_token }));
    const lookups = Array.from({ length: 18 }, (_, i) => slowPost(introspect, client, { token: pairs[i % pairs.length]!.access_token }));
    // Every request is in: the server has logged each one as incoming (headers read, body not).
    while (incoming() < before + 30) await s.waitFor(/"msg":"incoming request"/, s.lines.length);

    const from = s.lines.length;
    s.child.kill('SIGTERM');
    await s.waitFor(/^shopauth: stopping: no new connections; in-flight requests get up to 60 s$/, from);
    for (const r of [...refreshes, ...lookups]) r.finish();

    const rotated = await Promise.all(refreshes.map((r) => r.response));
    const looked = await Promise.all(lookups.map((r) => r.response));
    for (const r of rotated) {
      expect(r.status).toBe(200);
      expect(Object.keys(r.body).sort()).toEqual(expect.arrayContaining(['access_token', 'refresh_token', 'expires_at']));
    }
    for (const r of looked) expect({ status: r.status, active: r.body.active }).toEqual({ status: 200, active: true });
    expect(await s.exited).toEqual({ code: 0, signal: null });

    // The audit batch was flushed at close: 12 codes and 12 refreshes issued tokens.
    const file = new Database(db, { readonly: true });
    const issued = file.prepare("select count(*) as n from audit_events where type = 'token.issued'").get() as { n: number };
    file.close();
    expect(issued.n).toBe(24);

    // After a restart each answered refresh token works once more.
    const again = await serve(args, env);
    running.push(again);
    for (const r of rotated) {
      const res = await tokenRequest(again.url, client, { grant_type: 'refresh_token', refresh_token: String(r.body.refresh_token) });
      expect(res.status).toBe(200);
    }
    expect(await again.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  }, 180_000);
});
