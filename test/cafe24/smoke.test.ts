import { afterAll, beforeAll, expect, test } from 'vitest';
import { authorizeCode } from '../support/browser.js';
import { basic, REDIRECT_URI, seedApp, seedMall } from '../support/fixtures.js';
import { startServer, type TestServer } from '../support/server.js';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s.close());

test('smoke: code, token, store', async () => {
  await seedMall(s, 'mall1');
  const { clientId, clientSecret } = await seedApp(s);
  const code = await authorizeCode(s, { mallId: 'mall1', clientId });
  const res = await fetch(`${s.mallUrl('mall1')}/api/v2/oauth/token`, {
    method: 'POST',
    headers: { authorization: basic(clientId, clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI }),
  });
  const body = (await res.json()) as Record<string, string>;
  expect(res.status).toBe(200);
  const store = await fetch(`${s.mallUrl('mall1')}/api/v2/admin/store`, { headers: { authorization: `Bearer ${body.access_token}` } });
  expect(store.status).toBe(200);
  console.log(body, await store.json());
});
