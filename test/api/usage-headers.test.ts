import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { seedMall } from '../support/fixtures.js';
import { expectRefusal } from '../support/oauth.js';
import { startServer, type TestServer } from '../support/server.js';
import { adminApi, apiError, tokenFor } from './helpers.js';

/**
 * wire.md, Usage headers: X-Cafe24-Call-Usage / X-Cafe24-Time-Usage on every answer, the -Remain
 * headers at 100 %, 429 while blocked, and calls made while blocked lengthening the wait.
 */
let s: TestServer;
beforeAll(async () => {
  s = await startServer({ config: { rateLimit: null } });
  await seedMall(s, 'mall1');
});
afterAll(() => s.close());

const usage = (r: { headers: Headers }) => ({
  call: r.headers.get('x-cafe24-call-usage'),
  time: r.headers.get('x-cafe24-time-usage'),
  callRemain: r.headers.get('x-cafe24-call-remain'),
  timeRemain: r.headers.get('x-cafe24-time-remain'),
});

describe('the usage layer', () => {
  test('default (600 calls, 60 s of processing per 300 s): both percentages on every answer, errors included', async () => {
    const { token } = await tokenFor(s, 'mall1');
    const api = adminApi(s, 'mall1', token);
    const first = await api.get('/store');
    expect(first.status).toBe(200);
    expect(usage(first)).toEqual({ call: '0.17', time: '0', callRemain: null, timeRemain: null });
    expect(usage(await api.get('/store')).call).toBe('0.33');
    const notFound = await api.get('/products/77');
    await expectRefusal(notFound, 404, apiError(404, 'product 77 does not exist'));
    expect(usage(notFound).call).toBe('0.5');
    const invalid = await api.get('/products?limit=0');
    await expectRefusal(invalid, 422, apiError(422, 'limit must be >= 1'));
    expect(usage(invalid).call).toBe('0.67');
    // A token without the scope still counts, and its 403 carries the headers.
    const narrow = await tokenFor(s, 'mall1', { scopes: ['mall.read_store'] });
    const forbidden = await adminApi(s, 'mall1', narrow.token).get('/products');
    await expectRefusal(forbidden, 403, apiError(403, 'this call needs the scope mall.read_product'), { 'www-authenticate': 'Bearer realm="shopauth", error="insufficient_scope", scope="mall.read_product"' });
    expect(usage(forbidden)).toMatchObject({ call: '0.17', time: '0' });
    // No credential: no app, no usage.
    expect(usage(await adminApi(s, 'mall1', null).get('/store')).call).toBeNull();
  });

  test('calls: at 100 % the -Remain header; then 429, and each call while blocked lengthens the wait', async () => {
    const { token, clientId } = await tokenFor(s, 'mall1');
    await s.store.shop.usageLimits.set(clientId, '5/60/10'); // 5 calls per 10 s: drains 0.5 per second
    const api = adminApi(s, 'mall1', token);
    for (let i = 1; i <= 4; i++) {
      const r = await api.get('/store');
      expect(r.status).toBe(200);
      expect(usage(r)).toEqual({ call: String(i * 20), time: expect.any(String), callRemain: null, timeRemain: null });
    }
    const fifth = await api.get('/store');
    expect(fifth.status).toBe(200);
    expect(usage(fifth)).toMatchObject({ call: '100', callRemain: '2' });
    const sixth = await api.get('/store');
    expect(sixth).toMatchObject({ status: 429, body: apiError(429, 'API usage limit reached (calls at 100 %); calls resume in 4 s, and calls made before then lengthen the wait') });
    expect(usage(sixth)).toMatchObject({ call: '100', callRemain: '4' });
    expect(sixth.headers.get('retry-after')).toBe('4');
    const seventh = await api.get('/store');
    await expectRefusal(seventh, 429, apiError(429, 'API usage limit reached (calls at 100 %); calls resume in 6 s, and calls made before then lengthen the wait'), { 'retry-after': '6' });
    expect(seventh.headers.get('x-cafe24-call-remain')).toBe('6');
    s.clock.advance(5_000);
    const still = await api.get('/store'); // 5 s drained 2.5 calls of 7: 4.5, still 100 %, and now 5.5
    await expectRefusal(still, 429, apiError(429, 'API usage limit reached (calls at 100 %); calls resume in 4 s, and calls made before then lengthen the wait'), { 'retry-after': '4' });
    expect(still.headers.get('x-cafe24-call-remain')).toBe('4');
    s.clock.advance(4_000); // 5.5 - 2 = 3.5: one more call fits, and fills the meter again
    const resumed = await api.get('/store');
    expect(resumed.status).toBe(200);
    expect(usage(resumed)).toMatchObject({ call: '100', callRemain: '2' });
  });

  test('processing time: each answer adds its time; at 100 % X-Cafe24-Time-Remain, then 429', async () => {
    const { token, clientId } = await tokenFor(s, 'mall1');
    await s.store.shop.usageLimits.set(clientId, '1000/0.005/10'); // 5 ms of processing per 10 s
    const api = adminApi(s, 'mall1', token);
    const seen: number[] = [];
    let blocked;
    for (let i = 0; i < 7 && !blocked; i++) {
      const r = await api.get('/store');
      if (r.status === 429) blocked = r;
      else seen.push(Number(r.headers.get('x-cafe24-time-usage')));
    }
    // The first answer has no time charged yet; every answer adds at least 1 ms (20 %).
    expect(seen[0]).toBe(0);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]! + 20);
    expect(blocked).toBeDefined();
    expect(blocked!.body.error.message).toMatch(/^API usage limit reached \(processing time at 100 %\); calls resume in \d+ s/);
    expect(usage(blocked!)).toMatchObject({ time: '100', timeRemain: expect.stringMatching(/^\d+$/), callRemain: null });
    expect(blocked!.headers.get('retry-after')).toBe(blocked!.headers.get('x-cafe24-time-remain'));
    s.clock.advance(Number(blocked!.headers.get('retry-after')) * 1000 + 20_000);
    expect((await api.get('/store')).status).toBe(200);
  });

  test('per app: "off" sends no usage headers; the bucket\'s X-Api-Call-Limit is unaffected', async () => {
    const { token, clientId } = await tokenFor(s, 'mall1', { rateLimit: '10/1' });
    await s.store.shop.usageLimits.set(clientId, 'off');
    const r = await adminApi(s, 'mall1', token).get('/store');
    expect(r.status).toBe(200);
    expect(usage(r)).toEqual({ call: null, time: null, callRemain: null, timeRemain: null });
    expect(r.headers.get('x-api-call-limit')).toBe('1/10');
  });
});

describe('app create --usage-limit', () => {
  test('stores the app\'s setting; a malformed one is a usage error and writes nothing', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { main } = await import('../../src/cli/main.js');
    const { openStore } = await import('../../src/store/kysely/store.js');
    const dir = mkdtempSync(join(tmpdir(), 'shopauth-usage-'));
    const db = join(dir, 'u.db');
    try {
      const out: string[] = [];
      const base = ['app', 'create', '--name', 'Paced', '--redirect-uri', 'https://p.example/cb', '--app-url', 'https://p.example', '--scopes', 'mall.read_store', '--db', db, '--json'];
      expect(await main([...base, '--usage-limit', '100/5/60'], { out: (t) => out.push(t), err: () => {} })).toBe(0);
      const clientId = (JSON.parse(out[0]!) as { client_id: string }).client_id;
      const err: string[] = [];
      expect(await main([...base, '--usage-limit', 'lots'], { out: () => {}, err: (t) => err.push(t) })).toBe(2);
      expect(err.join('')).toContain('usage limit must look like 600/60/300 (calls/processing seconds/window seconds) or off, not "lots"');
      const store = await openStore(db);
      try {
        expect(await store.shop.usageLimits.get(clientId)).toBe('100/5/60');
        expect((await store.apps.list()).map((a) => a.name)).toEqual(['Paced']);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
