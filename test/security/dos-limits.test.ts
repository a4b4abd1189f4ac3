import { afterEach, describe, expect, test } from 'vitest';
import { basic, seedApp, seedMall } from '../support/fixtures.js';
import { expectApiRefusal, expectRefusal, expectTokenError, obtainTokens, postForm } from '../support/oauth.js';
import { seedCredentials } from '../podshop/support.js';
import { startServer, type TestServer } from '../support/server.js';

/**
 * Issue 15, item 8: POD Shop paging capped at an offset of 8000; the token endpoints limited per
 * address (before anything is parsed or authenticated) and per client; an unknown JWT's signature
 * check paid for by the address first; expired codes, tokens and sessions purged.
 */
const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(config: Parameters<typeof startServer>[0] = {}) {
  const s = await startServer(config);
  servers.push(s);
  await seedMall(s, 'mall1');
  return s;
}

const small = { tokenRateLimit: { size: 5, perSecond: 1 }, trustProxy: { hops: 1 } } as const;

describe('POD Shop paging', () => {
  test('pageNo * pageSize above 8000: 400 naming pageNo; exactly 8000 is served', async () => {
    const s = await setup();
    const cred = await seedCredentials(s, 'mall1');
    const list = (q: string) => fetch(`${s.url}/ac/api/external/orders${q}`, { headers: { authorization: basic(cred.clientId, cred.clientKey) } });
    const deep = await list('?pageNo=401&pageSize=20');
    expect(deep.status).toBe(400);
    expect(await deep.json()).toEqual({ errorKey: 'invalidParameter', title: 'Bad Request', status: 400, detail: 'pageNo: pageNo * pageSize must be at most 8000', field: 'pageNo' });
    const last = await list('?pageNo=80&pageSize=100');
    expect(last.status).toBe(200);
    expect(await last.json()).toEqual([]);
    await expectRefusal(await list('?pageNo=100000&pageSize=100'), 400, { errorKey: 'invalidParameter', title: 'Bad Request', status: 400, detail: 'pageNo: must be an integer from 0 to 8000', field: 'pageNo' });
  });
});

describe('token endpoint limits', () => {
  test('Cafe24 token endpoint per address: refused with 429 before the client is even looked at; another address is not', async () => {
    const s = await setup({ config: small });
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    for (let i = 0; i < 5; i++) {
      const res = await postForm(s, 'mall1', 'token', { grant_type: 'refresh_token', refresh_token: 'x' }, { clientId: 'NoSuchClient', clientSecret: 'nope' }, from('203.0.113.9'));
      await expectTokenError(res, 401, 'invalid_client', 'client authentication failed');
    }
    const limited = await fetch(`${s.mallUrl('mall1')}/api/v2/oauth/token`, { method: 'POST', headers: { 'x-forwarded-for': '203.0.113.9', 'content-type': 'application/x-www-form-urlencoded' }, body: 'not even a form' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.headers.get('cache-control')).toBe('no-store');
    expect(await limited.json()).toEqual({ error: 'temporarily_unavailable', error_description: 'too many requests from this address; retry after 1 s', trace_id: limited.headers.get('x-trace-id') });
    const other = await postForm(s, 'mall1', 'token', { grant_type: 'refresh_token', refresh_token: 'x' }, { clientId: 'NoSuchClient', clientSecret: 'nope' }, from('203.0.113.10'));
    await expectTokenError(other, 401, 'invalid_client', 'client authentication failed');
    s.clock.advance(1000);
    await expectTokenError(await postForm(s, 'mall1', 'token', { grant_type: 'refresh_token', refresh_token: 'x' }, { clientId: 'NoSuchClient', clientSecret: 'nope' }, from('203.0.113.9')), 401, 'invalid_client', 'client authentication failed');
  });

  test('Cafe24 token endpoint per authenticated client, whatever the address; a wrong secret does not use the client\'s bucket', async () => {
    const s = await setup({ config: small });
    const app = await seedApp(s);
    for (let i = 0; i < 8; i++) {
      const res = await postForm(s, 'mall1', 'token', { grant_type: 'refresh_token', refresh_token: 'x' }, { clientId: app.clientId, clientSecret: 'wrong' }, { 'x-forwarded-for': `198.51.100.${i}` });
      await expectTokenError(res, 401, 'invalid_client', 'client authentication failed');
    }
    for (let i = 0; i < 5; i++) {
      const res = await postForm(s, 'mall1', 'token', { grant_type: 'refresh_token', refresh_token: 'x' }, app, { 'x-forwarded-for': `192.0.2.${i}` });
      await expectTokenError(res, 400, 'invalid_grant', 'the refresh token is invalid');
    }
    const limited = await postForm(s, 'mall1', 'token', { grant_type: 'refresh_token', refresh_token: 'x' }, app, { 'x-forwarded-for': '192.0.2.99' });
    await expectTokenError(limited, 429, 'temporarily_unavailable', 'too many requests for this client; retry after 1 s', { 'retry-after': '1' });
  });

  test('POD Shop /ac/oauth/ext/token and its refresh: per credentials, 429 in POD Shop\'s shape; no family is minted when refused', async () => {
    const s = await setup({ config: small });
    const cred = await seedCredentials(s, 'mall1');
    const auth = { authorization: basic(cred.clientId, cred.clientKey) };
    let refresh = '';
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${s.url}/ac/oauth/ext/token`, { method: 'POST', headers: { ...auth, 'x-forwarded-for': `192.0.2.${i}` } });
      expect(res.status).toBe(200);
      refresh = ((await res.json()) as { refresh_token: string }).refresh_token;
    }
    const families = async () => new Set((await s.store.db.selectFrom('tokens').select('family_id').execute()).map((r) => r.family_id)).size;
    expect(await families()).toBe(5);
    const limited = await fetch(`${s.url}/ac/oauth/ext/token`, { method: 'POST', headers: { ...auth, 'x-forwarded-for': '192.0.2.50' } });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(await limited.json()).toEqual({ errorKey: 'tooManyRequests', title: 'Too Many Requests', status: 429, detail: 'too many requests for this client; retry after 1 s' });
    const refreshed = await fetch(`${s.url}/ac/oauth/ext/token/refresh?refreshToken=${refresh}`, { method: 'POST', headers: { ...auth, 'x-forwarded-for': '192.0.2.51' } });
    await expectRefusal(refreshed, 429, { errorKey: 'tooManyRequests', title: 'Too Many Requests', status: 429, detail: 'too many requests for this client; retry after 1 s' }, { 'retry-after': '1', 'cache-control': 'no-store' });
    expect(await families()).toBe(5);
  });

  test('API: JWT-shaped bearers from one address are refused with 429 before their signature is checked', async () => {
    const s = await setup({ config: small });
    const forged = (i: number) => `eyJhbGciOiJFUzI1NiIsImtpZCI6Im5vbmUifQ.eyJzdWIiOiJ4${i}In0.c2ln`;
    const call = (i: number, ip: string) => fetch(`${s.mallUrl('mall1')}/api/v2/admin/store`, { headers: { authorization: `Bearer ${forged(i)}`, 'x-forwarded-for': ip } });
    for (let i = 0; i < 5; i++) await expectApiRefusal(await call(i, '203.0.113.5'), 401, 'the access token is invalid');
    const limited = await call(99, '203.0.113.5');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(await limited.json()).toEqual({ error: { code: 429, message: 'too many requests with new access tokens from this address; retry after 1 s', more_info: {}, trace_id: limited.headers.get('x-trace-id') } });
    await expectApiRefusal(await call(100, '203.0.113.6'), 401, 'the access token is invalid');
  });
});

describe('purge', () => {
  test('expired codes, tokens and sessions are deleted an hour past expiry; live ones stay and keep working', async () => {
    const s = await setup();
    const app = await seedApp(s);
    const old = await obtainTokens(s, 'mall1', app);
    const count = async () => ({
      codes: (await s.store.db.selectFrom('auth_codes').select('code_hash').execute()).length,
      tokens: (await s.store.db.selectFrom('tokens').select('token_hash').execute()).length,
      sessions: (await s.store.db.selectFrom('sessions').select('session_hash').execute()).length,
    });
    expect(await count()).toEqual({ codes: 1, tokens: 2, sessions: 1 });
    expect(await s.purger.runOnce()).toEqual({ codes: 0, tokens: 0, sessions: 0, audit: 0 });
    s.clock.advance(14 * 24 * 3600_000 - 1000);
    const live = await obtainTokens(s, 'mall1', app);
    s.clock.advance(3600_000 + 2000);
    expect(await s.purger.runOnce()).toEqual({ codes: 1, tokens: 2, sessions: 1, audit: 0 });
    expect(await count()).toEqual({ codes: 1, tokens: 2, sessions: 1 });
    const refreshed = await postForm(s, 'mall1', 'token', { grant_type: 'refresh_token', refresh_token: live.refresh_token }, app);
    expect(refreshed.status).toBe(200);
    const gone = await postForm(s, 'mall1', 'token', { grant_type: 'refresh_token', refresh_token: old.refresh_token }, app);
    await expectTokenError(gone, 400, 'invalid_grant', 'the refresh token is invalid');
  });
});
