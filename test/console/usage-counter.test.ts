import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, test } from 'vitest';
import { MemoryUsageCounter, RedisUsageCounter, type UsageCounter } from '../../src/shared-state/usage.js';

/**
 * The console's usage counts (shared-state/usage.ts): calls per (mall, app) in hourly buckets,
 * the last 24 hours summed, the last call kept; in Redis the counts of several instances add up.
 */
const REDIS_URL = process.env.SHOPAUTH_TEST_REDIS ?? 'redis://127.0.0.1:6379';
const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-01T03:10:00Z');
const prefix = `shopauth-test:${randomBytes(6).toString('hex')}:usage:`;
const opened: UsageCounter[] = [];
const open = <T extends UsageCounter>(c: T) => (opened.push(c), c);

afterAll(async () => {
  for (const c of opened) await c.close();
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe.each([
  { name: 'memory', make: () => open(new MemoryUsageCounter()) },
  { name: 'redis', make: () => open(new RedisUsageCounter(REDIS_URL, `${prefix}${randomBytes(3).toString('hex')}:`)) },
])('$name', ({ make }) => {
  test('calls of the last 24 hours per app and mall, and the last call; older hours fall out', async () => {
    const c = make();
    c.record('m1', 'appA', T0 - 30 * HOUR);
    c.record('m1', 'appA', T0 - 23 * HOUR);
    c.record('m1', 'appA', T0);
    c.record('m1', 'appA', T0 + 1000);
    c.record('m2', 'appA', T0);
    const usage = await c.read('m1', ['appA', 'appB'], T0 + 2000);
    expect(usage.get('appA')).toEqual({ calls: 3, lastUse: T0 + 1000 });
    expect(usage.get('appB')).toEqual({ calls: 0, lastUse: null });
    expect((await c.read('m1', ['appA'], T0 + 23 * HOUR)).get('appA')).toEqual({ calls: 2, lastUse: T0 + 1000 });
    expect((await c.read('m1', ['appA'], T0 + 24 * HOUR)).get('appA')).toEqual({ calls: 0, lastUse: T0 + 1000 });
    expect((await c.read('m2', ['appA'], T0)).get('appA')).toEqual({ calls: 1, lastUse: T0 });
  });
});

test('redis: two instances (two servers) add up, and the last call is the latest of either', async () => {
  const p = `${prefix}shared:`;
  const a = open(new RedisUsageCounter(REDIS_URL, p));
  const b = open(new RedisUsageCounter(REDIS_URL, p));
  a.record('m1', 'app', T0 + 5000);
  b.record('m1', 'app', T0);
  b.record('m1', 'app', T0 + 1);
  await b.flush();
  expect((await a.read('m1', ['app'], T0 + 6000)).get('app')).toEqual({ calls: 3, lastUse: T0 + 5000 });
  expect((await b.read('m1', ['app'], T0 + 6000)).get('app')).toEqual({ calls: 3, lastUse: T0 + 5000 });
});
