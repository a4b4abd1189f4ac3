import { afterAll, beforeAll, expect, test } from 'vitest';
import { seedMall } from '../support/fixtures.js';
import { startServer, type TestServer } from '../support/server.js';
import { base64, post, seedCredentials, type PodTokens } from './support.js';

/**
 * A POD Shop refresh when the signing-key cache (10 s) has gone stale: the key is loaded from the
 * store before the refresh's transaction begins (dialects/podshop/tokens.ts). Loaded inside it, the read
 * waited for the transaction's own SQLite connection, and the server hung.
 */
let s: TestServer;
beforeAll(async () => {
  s = await startServer();
  await seedMall(s, 'mall1');
});
afterAll(async () => {
  await s?.close();
});

test('a refresh 11 s after the last key load is answered, and the next API call works', async () => {
  const creds = await seedCredentials(s, 'mall1');
  const auth = `Basic ${base64(`${creds.clientId}:${creds.clientKey}`)}`;
  const first = (await (await post(`${s.url}/ac/oauth/ext/token`, auth)).json()) as PodTokens;
  s.clock.advance(11_000);
  const refreshed = await post(`${s.url}/ac/oauth/ext/token/refresh?refreshToken=${first.refresh_token}`, auth);
  expect(refreshed.status).toBe(200);
  const { access_token } = (await refreshed.json()) as PodTokens;
  const store = await fetch(`${s.mallUrl('mall1')}/api/v2/admin/store`, { headers: { authorization: `Bearer ${access_token}` } });
  expect(store.status).toBe(200);
});
