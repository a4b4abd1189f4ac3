import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { main } from '../../src/cli/main.js';
import { authorize, authorizeUrl, Browser, readForm } from '../support/browser.js';
import { PASSWORD, seedApp, seedMall } from '../support/fixtures.js';
import { expectTokenError, isActive, obtainTokens, postForm, type TestClient } from '../support/oauth.js';
import { startServer, type TestServer } from '../support/server.js';

/**
 * The audit log of security events (issue 5): written off the request path, never holding a
 * secret, never failing a request, listed by `shopauth audit`.
 */
let dir: string;
let s: TestServer;
let app: TestClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shopauth-audit-'));
  s = await startServer({ db: join(dir, 'shopauth.db') });
  await seedMall(s, 'mall1');
  await seedMall(s, 'mall2');
  app = await seedApp(s);
});
afterAll(async () => {
  await s?.close();
  rmSync(dir, { recursive: true, force: true });
});

const events = async (filter: { mallId?: string; type?: string } = {}) => {
  await s.ctx.audit.flush();
  return s.store.audit.list(filter);
};

describe('audit log', () => {
  test('login failed and ok, consent given and denied, token issued: who, where, when; no password', async () => {
    const browser = new Browser();
    const url = authorizeUrl(s, { mallId: 'mall1', clientId: app.clientId });
    const lf = readForm(await (await browser.get(url)).text(), url);
    await browser.post(lf.action, { csrf_token: lf.csrf, user_id: 'boss', password: 'not-the-password' });
    await obtainTokens(s, 'mall1', app);
    await authorize(s, { mallId: 'mall1', clientId: app.clientId, decision: 'deny' });
    const list = await events({ mallId: 'mall1' });
    const types = list.map((e) => e.type).reverse();
    expect(types).toEqual(['login.failed', 'login.ok', 'consent.given', 'token.issued', 'login.ok', 'consent.denied']);
    const at = s.clock.now();
    const base = { mallId: 'mall1', clientId: app.clientId, userId: 'boss', ip: '127.0.0.1', at };
    const [denied, , issued, given, , failed] = list;
    expect(failed).toMatchObject({ ...base, type: 'login.failed', detail: null, traceId: expect.stringMatching(/^[0-9a-f]{24}$/) });
    expect(given).toMatchObject({ ...base, detail: { scope: 'mall.read_store mall.read_product' } });
    expect(issued).toMatchObject({ ...base, detail: { grant_type: 'authorization_code', family_id: expect.any(String), scope: 'mall.read_store mall.read_product' } });
    expect(denied).toMatchObject({ ...base, type: 'consent.denied' });
    expect(JSON.stringify(list)).not.toContain('not-the-password');
    expect(JSON.stringify(list)).not.toContain(PASSWORD);
  });

  test('a broken audit table does not break issuance (batched; the failure is counted); a revocation fails whole with its event', async () => {
    const other = await startServer();
    try {
      await seedMall(other, 'mall1');
      const a = await seedApp(other);
      // After the consent: consent.given is written with the grant, so it would fail too.
      const t = await obtainTokens(other, 'mall1', a);
      await sql`drop table audit_events`.execute(other.store.db);
      const r = await postForm(other, 'mall1', 'token', { grant_type: 'refresh_token', refresh_token: t.refresh_token }, a);
      expect(r.status).toBe(200);
      await other.ctx.audit.flush();
      expect(other.ctx.audit.dropped).toBeGreaterThan(0);
      // Issue 9, crash safety: token.revoked is written in the revocation's transaction, so the
      // change cannot land without its record: 500, and the token is still live.
      const revoke = await postForm(other, 'mall1', 'revoke', { token: t.access_token }, a);
      await expectTokenError(revoke, 500, 'server_error', 'an internal error occurred; quote the trace_id to the operator of this server');
      expect(await isActive(other, a, t.access_token)).toBe(true);
    } finally {
      await other.close();
    }
  });

  test('`shopauth audit --mall M --json`, `--type`, `--limit`, and the human form', async () => {
    await obtainTokens(s, 'mall2', app);
    await s.ctx.audit.flush();
    const run = async (args: string[]) => {
      let out = '';
      let err = '';
      const code = await main(['audit', '--db', join(dir, 'shopauth.db'), ...args], { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) });
      return { code, out, err };
    };
    const mall2 = await run(['--mall', 'mall2', '--json']);
    expect(mall2.code).toBe(0);
    const parsed = JSON.parse(mall2.out) as { events: Array<Record<string, unknown>> };
    expect(parsed.events.map((e) => e.type)).toEqual(['token.issued', 'consent.given', 'login.ok']);
    expect(parsed.events[0]).toEqual({
      id: expect.any(String),
      at: new Date(s.clock.now()).toISOString(),
      type: 'token.issued',
      mall_id: 'mall2',
      client_id: app.clientId,
      user_id: 'boss',
      ip: '127.0.0.1',
      trace_id: expect.stringMatching(/^[0-9a-f]{24}$/),
      detail: { grant_type: 'authorization_code', family_id: expect.any(String), scope: 'mall.read_store mall.read_product' },
    });
    const failed = JSON.parse((await run(['--type', 'login.failed', '--json'])).out) as { events: unknown[] };
    expect(failed.events).toHaveLength(1);
    const limited = JSON.parse((await run(['--limit', '2', '--json'])).out) as { events: unknown[] };
    expect(limited.events).toHaveLength(2);
    const human = await run(['--mall', 'mall2']);
    expect(human.out.split('\n')[0]).toMatch(/^2026-03-01T03:00:00\.000Z {2}token\.issued {12}mall=mall2 {2}client=\w+ {2}user=boss {2}ip=127\.0\.0\.1 {2}grant_type=authorization_code family_id=[\w-]+ scope="mall\.read_store mall\.read_product" {2}trace_id=[0-9a-f]{24}$/);
    expect((await run(['--mall', 'nomall'])).out).toBe('no audit events\n');
    expect((await run(['--limit', 'x'])).code).toBe(2);
  });

  test('key rotation (`shopauth keys rotate`) is audited with the new key id, no key material', async () => {
    const io = { out: () => {}, err: () => {} };
    expect(await main(['keys', 'rotate', '--db', join(dir, 'shopauth.db')], io)).toBe(0);
    const [event] = await s.store.audit.list({ type: 'key.rotated' });
    expect(event).toMatchObject({ type: 'key.rotated', mallId: null, detail: { kid: expect.any(String) } });
    expect(JSON.stringify(event)).not.toMatch(/"d":|private/i);
  });
});
