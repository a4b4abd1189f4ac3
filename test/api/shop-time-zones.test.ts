import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { localTime } from '../../src/time/local-time.js';
import { isoLocal, localToEpoch } from '../../src/api/shop-time.js';
import { seedApp, seedMall } from '../support/fixtures.js';
import { obtainTokens } from '../support/oauth.js';
import { startServer, type TestServer } from '../support/server.js';
import { adminApi, tokenFor } from './helpers.js';

/**
 * Malls outside Asia/Seoul, across daylight-saving changes (wire.md: times are the mall's local
 * time). New York sets clocks forward on 8 March 2026 at 02:00 (07:00Z) and back on 1 November
 * at 02:00 (06:00Z); Santiago's 6 September 2026 has no midnight (00:00 -> 01:00, at 04:00Z);
 * Lord Howe moves by 30 minutes at 15:30Z, inside a UTC hour.
 */
const HOUR = 3_600_000;
const at = (iso: string) => Date.parse(iso);

describe('local time in other zones (time/local-time.ts, api/shop-time.ts)', () => {
  test('offsets other than +09:00, including half and three-quarter hours', () => {
    const t = at('2026-03-01T03:00:00.000Z');
    expect(isoLocal(t, 'Asia/Kolkata')).toBe('2026-03-01T08:30:00+05:30');
    expect(isoLocal(t, 'America/St_Johns')).toBe('2026-02-28T23:30:00-03:30');
    expect(isoLocal(t, 'Pacific/Chatham')).toBe('2026-03-01T16:45:00+13:45');
    expect(isoLocal(t, 'UTC')).toBe('2026-03-01T03:00:00+00:00');
  });

  test('clocks forward and back in New York: the offset changes at the instant, never an hour early or late', () => {
    const z = 'America/New_York';
    expect(localTime(at('2026-03-08T06:59:59.999Z'), z)).toBe('2026-03-08T01:59:59.999');
    expect(localTime(at('2026-03-08T07:00:00.000Z'), z)).toBe('2026-03-08T03:00:00.000');
    expect(isoLocal(at('2026-03-08T07:00:00.000Z'), z)).toBe('2026-03-08T03:00:00-04:00');
    // 01:30 happens twice on 1 November: first in EDT, then in EST.
    expect(isoLocal(at('2026-11-01T05:30:00.000Z'), z)).toBe('2026-11-01T01:30:00-04:00');
    expect(isoLocal(at('2026-11-01T06:30:00.000Z'), z)).toBe('2026-11-01T01:30:00-05:00');
  });

  test('a change inside a UTC hour (Lord Howe, 30 minutes): the minutes on both sides are right', () => {
    const z = 'Australia/Lord_Howe';
    expect(isoLocal(at('2026-10-03T15:29:59.000Z'), z)).toBe('2026-10-04T01:59:59+10:30');
    expect(isoLocal(at('2026-10-03T15:30:00.000Z'), z)).toBe('2026-10-04T02:30:00+11:00');
    expect(isoLocal(at('2026-10-03T15:00:00.000Z'), z)).toBe('2026-10-04T01:30:00+10:30');
  });

  test('local to instant: a repeated time is the earlier instant; a skipped one moves forward by the gap', () => {
    expect(localToEpoch('2026-11-01T01:30:00', 'America/New_York')).toBe(at('2026-11-01T05:30:00.000Z'));
    expect(localToEpoch('2026-03-08T02:30:00', 'America/New_York')).toBe(at('2026-03-08T07:30:00.000Z')); // 03:30 EDT
    expect(localToEpoch('2026-09-06T00:00:00', 'America/Santiago')).toBe(at('2026-09-06T04:00:00.000Z')); // the day starts at 01:00
    expect(localToEpoch('2026-03-01T00:00:00', 'Asia/Seoul')).toBe(at('2026-02-28T15:00:00.000Z'));
  });
});

describe('a mall in New York across the change to summer time', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ clock: new ManualClock(at('2026-03-08T06:30:00.000Z')) }); // 01:30 EST
    await seedMall(s, 'nymall', { timezone: 'America/New_York' });
  });
  afterAll(() => s?.close());

  test('the token response: issued in EST, expiring in EDT (wire.md, Token response)', async () => {
    const app = await seedApp(s);
    const t = await obtainTokens(s, 'nymall', app);
    expect(t).toMatchObject({ issued_at: '2026-03-08T01:30:00.000', expires_at: '2026-03-08T04:30:00.000', expires_in: 7200, refresh_token_expires_at: '2026-03-22T02:30:00.000' });
  });

  test('the store says its zone; orders on both sides carry their offset and the same local date', async () => {
    const api = adminApi(s, 'nymall', (await tokenFor(s, 'nymall')).token);
    expect((await api.get('/store')).body.store).toMatchObject({ mall_id: 'nymall', timezone: 'America/New_York' });
    expect((await api.post('/products', { request: { product_name: 'Mug', price: '1000' } })).status).toBe(201);
    const order = () => api.post('/orders', { request: { buyer_name: 'Ann', receiver: { name: 'Ann', zipcode: '10001', address1: 'NYC' }, items: [{ product_no: 1, quantity: 1 }] } });
    const first = await order();
    expect(first.status).toBe(201);
    expect(first.body.order).toMatchObject({ order_id: '20260308-0000001', order_date: '2026-03-08T01:30:00-05:00' });
    s.clock.advance(HOUR); // 07:30Z: 03:30 EDT, one hour later, two on the wall clock
    const second = await order();
    expect(second.body.order).toMatchObject({ order_id: '20260308-0000002', order_date: '2026-03-08T03:30:00-04:00' });
  });
});

describe('a mall in Santiago on a day without a midnight', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ clock: new ManualClock(at('2026-09-06T03:30:00.000Z')) }); // 23:30 on 5 September (-04:00)
    await seedMall(s, 'clmall', { timezone: 'America/Santiago' });
  });
  afterAll(() => s?.close());

  test('order dates and the start_date / end_date filters follow the mall\'s days', async () => {
    const api = adminApi(s, 'clmall', (await tokenFor(s, 'clmall')).token);
    expect((await api.post('/products', { request: { product_name: 'Mug', price: '1000' } })).status).toBe(201);
    const order = () => api.post('/orders', { request: { buyer_name: 'Ana', receiver: { name: 'Ana', zipcode: '1', address1: 'Santiago' }, items: [{ product_no: 1, quantity: 1 }] } });
    expect((await order()).body.order).toMatchObject({ order_id: '20260905-0000001', order_date: '2026-09-05T23:30:00-04:00' });
    s.clock.advance(HOUR); // 04:30Z: 01:30 on 6 September (-03:00), the day's first half hour
    expect((await order()).body.order).toMatchObject({ order_id: '20260906-0000002', order_date: '2026-09-06T01:30:00-03:00' });
    const ids = async (query: string) => ((await api.get(`/orders?${query}`)).body.orders as Array<{ order_id: string }>).map((o) => o.order_id);
    // Both dates are required (at most 3 months apart): each a whole day of the mall.
    expect(await ids('start_date=2026-09-06&end_date=2026-09-30')).toEqual(['20260906-0000002']);
    expect(await ids('start_date=2026-08-01&end_date=2026-09-05')).toEqual(['20260905-0000001']);
    expect(await ids('start_date=2026-09-05&end_date=2026-09-06')).toEqual(['20260905-0000001', '20260906-0000002']);
  });
});
