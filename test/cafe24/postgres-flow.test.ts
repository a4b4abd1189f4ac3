import { afterAll, beforeAll, expect, test } from 'vitest';
import { authorizeCode } from '../support/browser.js';
import { pgSchemaUrl } from '../support/dialects.js';
import { basic, REDIRECT_URI, seedApp, seedMall } from '../support/fixtures.js';
import { expectOAuthError } from '../support/oauth.js';
import { startServer, type TestServer } from '../support/server.js';

/** The store is a dialect swap: the same flow on PostgreSQL by changing --db only. */
let s: TestServer;
let drop: () => Promise<void>;
beforeAll(async () => {
  const pg = pgSchemaUrl();
  drop = pg.drop;
  s = await startServer({ db: pg.url });
});
afterAll(async () => {
  await s.close();
  await drop();
});

test('authorization code, store read, refresh rotation and revocation on PostgreSQL', async () => {
  expect(s.store.dialect).toBe('postgres');
  await seedMall(s, 'pgmall');
  const { clientId, clientSecret } = await seedApp(s);
  const post = (params: Record<string, string>, path = 'token') =>
    fetch(`${s.mallUrl('pgmall')}/api/v2/oauth/${path}`, {
      method: 'POST',
      headers: { authorization: basic(clientId, clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params),
    });
  const code = await authorizeCode(s, { mallId: 'pgmall', clientId, scope: 'mall.read_store' });
  const t = (await (await post({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI })).json()) as Record<string, string>;
  expect(t.issued_at).toBe('2026-03-01T12:00:00.000');
  const read = await fetch(`${s.mallUrl('pgmall')}/api/v2/admin/store`, { headers: { authorization: `Bearer ${t.access_token}` } });
  expect(read.status).toBe(200);
  expect(((await read.json()) as { store: { mall_id: string } }).store.mall_id).toBe('pgmall');
  const r = await post({ grant_type: 'refresh_token', refresh_token: t.refresh_token! });
  expect(r.status).toBe(200);
  await expectOAuthError(await post({ grant_type: 'refresh_token', refresh_token: t.refresh_token! }), 400, 'invalid_grant', 'the refresh token has already been used; its token family is revoked');
  const revoked = await post({ token: ((await r.json()) as Record<string, string>).access_token! }, 'revoke');
  expect(revoked.status).toBe(200);
  expect(await revoked.text()).toBe('');
  await expectOAuthError(await post({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI }), 400, 'invalid_grant', 'the authorization code has already been used');
});
