import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli, runCliJson } from '../support/cli.js';
import { seedApp, seedMall } from '../support/fixtures.js';
import { expectApiRefusal, expectOAuthError, obtainTokens, postForm, type TestClient } from '../support/oauth.js';
import { startServer, type TestServer } from '../support/server.js';

/** `shopauth grants list|revoke`: an operator withdraws an app's access; its tokens stop at the next call (issue 4). */
let dir: string;
let db: string;
let s: TestServer;
let app: TestClient;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shopauth-grants-'));
  db = join(dir, 'grants.db');
  s = await startServer({ db });
  await seedMall(s, 'mall1');
  app = await seedApp(s);
});
afterAll(async () => {
  await s.close();
  rmSync(dir, { recursive: true, force: true });
});

const readStore = (token: string) => fetch(`${s.mallUrl('mall1')}/api/v2/admin/store`, { headers: { authorization: `Bearer ${token}` } });

describe('shopauth grants', () => {
  test('list shows the consent; revoke stops the access and refresh tokens at once and is audited', async () => {
    const tokens = await obtainTokens(s, 'mall1', app);
    expect((await readStore(tokens.access_token)).status).toBe(200);

    const listed = await runCliJson<{ mall_id: string; grants: Record<string, unknown>[] }>(['grants', 'list', 'mall1', '--db', db]);
    expect(listed).toEqual({
      mall_id: 'mall1',
      grants: [
        {
          grant_id: expect.any(String),
          mall_id: 'mall1',
          client_id: app.clientId,
          user_id: 'boss',
          scopes: ['mall.read_store', 'mall.read_product'],
          created_at: '2026-03-01T03:00:00.000Z',
          updated_at: '2026-03-01T03:00:00.000Z',
          revoked_at: null,
        },
      ],
    });

    const human = await runCli(['grants', 'revoke', 'mall1', app.clientId, '--db', db]);
    expect(human).toMatchObject({ code: 0, stderr: '' });
    expect(human.stdout).toBe(`revoked 1 grant(s) of ${app.clientId} in mall1 and every token issued under them\n`);

    const denied = await readStore(tokens.access_token);
    expect(denied.status).toBe(403);
    expect(await denied.json()).toEqual({ error: { code: 403, message: 'the app is no longer installed in this mall', more_info: {}, trace_id: denied.headers.get('x-trace-id') } });
    await expectOAuthError(await postForm(s, 'mall1', 'token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, app), 400, 'invalid_grant');

    const after = await runCliJson<{ grants: { revoked_at: string | null }[] }>(['grants', 'list', 'mall1', '--db', db]);
    expect(after.grants.map((g) => g.revoked_at)).toEqual([expect.stringMatching(/^\d{4}-\d\d-\d\dT/)]);
    const audit = await runCliJson<{ events: { type: string; client_id: string; user_id: string }[] }>(['audit', '--mall', 'mall1', '--type', 'grant.revoked', '--db', db]);
    expect(audit.events).toEqual([expect.objectContaining({ type: 'grant.revoked', client_id: app.clientId, user_id: 'boss' })]);
  });

  test('a new consent after revocation works again', async () => {
    const tokens = await obtainTokens(s, 'mall1', app);
    expect((await readStore(tokens.access_token)).status).toBe(200);
    await runCliJson(['grants', 'revoke', 'mall1', app.clientId, '--operator', 'boss', '--db', db]);
    const refused = await readStore(tokens.access_token);
    expect(refused.headers.get('www-authenticate')).toBeNull(); // uninstalled, not a bad token (admin-api.md)
    await expectApiRefusal(refused, 403, 'the app is no longer installed in this mall');
  });

  test('errors: unknown mall, nothing to revoke, missing arguments', async () => {
    expect(await runCli(['grants', 'list', 'nomall', '--db', db])).toEqual({ code: 1, stdout: '', stderr: 'shopauth: no mall nomall\n' });
    expect(await runCli(['grants', 'revoke', 'mall1', app.clientId, '--db', db])).toEqual({
      code: 1,
      stdout: '',
      stderr: `shopauth: app ${app.clientId} holds no live grant in mall mall1\n`,
    });
    const usage = await runCli(['grants', 'revoke', 'mall1', '--db', db]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^shopauth: missing CLIENT_ID\n/);
  });
});
