import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli, runCliJson } from '../support/cli.js';
import { basic } from '../support/fixtures.js';
import { startServer, type TestServer } from '../support/server.js';
import { expectApiRefusal } from '../support/oauth.js';
import { expectPod401, post, UNAUTHORIZED } from './support.js';

/** `shopauth credentials create|list|revoke` and `shopauth keys rotate`, the real bin on a SQLite file. */
let dir: string;
let db: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shopauth-pod-cli-'));
  db = join(dir, 'pod.db');
  await runCliJson(['mall', 'create', 'pod-mall', '--db', db]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Created { client_id: string; client_secret: string; mall_id: string; scopes: string[]; rate_limit: string | null }

describe('shopauth credentials', () => {
  test('create prints the key once (--json: client_id, client_secret, mall_id, ...); list never shows it', async () => {
    const created = await runCliJson<Created>(['credentials', 'create', 'pod-mall', '--scopes', 'mall.read_order,mall.write_order', '--rate-limit', '10/1', '--db', db]);
    expect(created).toEqual({
      client_id: expect.stringMatching(/^[A-Za-z0-9]{22}$/),
      client_secret: expect.stringMatching(/^[A-Za-z0-9]{32}$/),
      mall_id: 'pod-mall',
      name: 'API credentials',
      scopes: ['mall.read_order', 'mall.write_order'],
      rate_limit: '10/1',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      revoked_at: null,
    });
    const listed = await runCliJson<{ mall_id: string; credentials: Record<string, unknown>[] }>(['credentials', 'list', 'pod-mall', '--db', db]);
    expect(listed.mall_id).toBe('pod-mall');
    expect(listed.credentials).toContainEqual(expect.objectContaining({ client_id: created.client_id, revoked_at: null, rate_limit: '10/1' }));
    const human = await runCli(['credentials', 'list', 'pod-mall', '--db', db]);
    expect(human.stdout).toContain(created.client_id);
    expect(human.stdout + JSON.stringify(listed)).not.toContain(created.client_secret);
  });

  test('the human output of create shows the key once and says so', async () => {
    const r = await runCli(['credentials', 'create', 'pod-mall', '--scopes', 'mall.read_order', '--rate-limit', 'off', '--db', db]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^created API credentials for mall pod-mall \(scopes mall\.read_order\)\nclient_id: {5}[A-Za-z0-9]{22}\nclient_secret: [A-Za-z0-9]{32} {3}\(POD Shop's Client Key; shown once: only its hash is kept\)\n$/,
    );
  });

  test('the created credentials get tokens from a server on the same database; revoke stops them and their tokens', async () => {
    const created = await runCliJson<Created>(['credentials', 'create', 'pod-mall', '--scopes', 'mall.read_store', '--db', db]);
    const s: TestServer = await startServer({ db });
    try {
      const auth = basic(created.client_id, created.client_secret);
      const res = await post(`${s.url}/ac/oauth/ext/token`, auth);
      expect(res.status).toBe(200);
      const { access_token } = (await res.json()) as { access_token: string };
      const api = () => fetch(`${s.mallUrl('pod-mall')}/api/v2/admin/store`, { headers: { authorization: `bearer ${access_token}` } });
      expect((await api()).status).toBe(200);

      expect(await runCliJson(['credentials', 'revoke', created.client_id, '--db', db])).toEqual({ client_id: created.client_id, revoked: true });
      await expectApiRefusal(await api(), 401, 'the access token has been revoked');
      await expectPod401(await post(`${s.url}/ac/oauth/ext/token`, auth), UNAUTHORIZED);
      const listed = await runCliJson<{ credentials: { client_id: string; revoked_at: string | null }[] }>(['credentials', 'list', 'pod-mall', '--db', db]);
      expect(listed.credentials.find((c) => c.client_id === created.client_id)?.revoked_at).toMatch(/^\d{4}-/);
    } finally {
      await s.close();
    }
  });

  test.each([
    ['an unknown mall', ['credentials', 'create', 'no-mall', '--scopes', 'mall.read_order'], 1, 'shopauth: no mall no-mall\n'],
    ['an unknown scope', ['credentials', 'create', 'pod-mall', '--scopes', 'mall.read_everything'], 1, 'shopauth: unknown scope(s): mall.read_everything (known: mall.read_X, mall.write_X)\n'],
    ['a malformed rate limit', ['credentials', 'create', 'pod-mall', '--scopes', 'mall.read_order', '--rate-limit', 'fast'], 1, 'shopauth: rate limit must look like 40/2 (size/drain per second) or off, not "fast"\n'],
    ['revoking unknown credentials', ['credentials', 'revoke', 'NoSuchClient'], 1, 'shopauth: no API credentials NoSuchClient\n'],
    ['listing an unknown mall', ['credentials', 'list', 'no-mall'], 1, 'shopauth: no mall no-mall\n'],
  ])('%s: exit 1 with one line on stderr', async (_name, args, code, stderr) => {
    const r = await runCli([...args, '--db', db]);
    expect(r).toEqual({ code, stdout: '', stderr });
  });

  test('create without --scopes is a usage error (exit 2)', async () => {
    const r = await runCli(['credentials', 'create', 'pod-mall', '--db', db]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^shopauth: --scopes is required\n/);
  });

  test('revoking twice says so; the revocation is in the audit log once', async () => {
    const created = await runCliJson<Created>(['credentials', 'create', 'pod-mall', '--scopes', 'mall.read_order', '--db', db]);
    await runCliJson(['credentials', 'revoke', created.client_id, '--db', db]);
    const again = await runCli(['credentials', 'revoke', created.client_id, '--db', db]);
    expect(again).toEqual({ code: 1, stdout: '', stderr: `shopauth: API credentials ${created.client_id} are already revoked\n` });
    const audit = await runCliJson<{ events: { type: string; mall_id: string; client_id: string }[] }>(['audit', '--type', 'credentials.revoked', '--db', db]);
    expect(audit.events.filter((e) => e.client_id === created.client_id)).toEqual([
      expect.objectContaining({ type: 'credentials.revoked', mall_id: 'pod-mall', client_id: created.client_id }),
    ]);
  });
});

describe('shopauth keys rotate', () => {
  test('prints the new kid and the retired ones', async () => {
    const first = await runCliJson<{ kid: string; retired: string[]; pruned: number }>(['keys', 'rotate', '--db', db]);
    expect(first).toEqual({ kid: expect.stringMatching(/^[\w-]{16}$/), retired: expect.any(Array), pruned: 0 });
    const second = await runCliJson<{ kid: string; retired: string[] }>(['keys', 'rotate', '--db', db]);
    expect(second.retired).toEqual([first.kid]);
    const human = await runCli(['keys', 'rotate', '--db', db]);
    expect(human.stdout).toMatch(new RegExp(`^new signing key [\\w-]{16}; retired ${second.kid} \\(published until their tokens expire\\)\\n$`));
  });
});
