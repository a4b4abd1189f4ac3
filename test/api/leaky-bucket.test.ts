import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, test } from 'vitest';
import { MemoryLeakyBucket, RedisLeakyBucket, type LeakyBucket } from '../../src/shared-state/index.js';

/** The leaky bucket of wire.md (40 calls, drained 2 per second), the same on both backends. */
const REDIS_URL = process.env.SHOPAUTH_TEST_REDIS ?? 'redis://127.0.0.1:6379';
const backends: { name: string; make: () => LeakyBucket }[] = [
  { name: 'memory', make: () => new MemoryLeakyBucket() },
  { name: 'redis', make: () => new RedisLeakyBucket(REDIS_URL, `shopauth-test:${randomBytes(6).toString('hex')}:`) },
];
const LIMIT = { size: 40, perSecond: 2 };
const T0 = Date.parse('2026-03-01T00:00:00Z');

describe.each(backends)('LeakyBucket on $name', ({ make }) => {
  const bucket = make();
  afterAll(() => bucket.close());

  test('40 calls fit at once, the 41st is refused with Retry-After 1 and pours nothing', async () => {
    for (let i = 1; i <= 40; i++) {
      expect(await bucket.take('a', LIMIT, T0)).toEqual({ allowed: true, used: i, size: 40, retryAfterSeconds: 0 });
    }
    expect(await bucket.take('a', LIMIT, T0)).toEqual({ allowed: false, used: 40, size: 40, retryAfterSeconds: 1 });
    expect(await bucket.take('a', LIMIT, T0 + 200)).toEqual({ allowed: false, used: 40, size: 40, retryAfterSeconds: 1 });
    // Half a second drains one call: it fits again, and the bucket is full once more.
    expect(await bucket.take('a', LIMIT, T0 + 500)).toEqual({ allowed: true, used: 40, size: 40, retryAfterSeconds: 0 });
    // Ten seconds drain 20 calls.
    expect(await bucket.take('a', LIMIT, T0 + 10_500)).toEqual({ allowed: true, used: 21, size: 40, retryAfterSeconds: 0 });
  });

  test('keys are independent; reset empties one', async () => {
    for (let i = 0; i < 3; i++) await bucket.take('b', LIMIT, T0);
    expect((await bucket.take('c', LIMIT, T0)).used).toBe(1);
    await bucket.reset('b');
    expect((await bucket.take('b', LIMIT, T0)).used).toBe(1);
  });

  test('a fractional level reports used rounded up; a full drain empties the bucket', async () => {
    const small = { size: 3, perSecond: 1 };
    await bucket.take('d', small, T0);
    await bucket.take('d', small, T0);
    expect(await bucket.take('d', small, T0 + 500)).toEqual({ allowed: true, used: 3, size: 3, retryAfterSeconds: 0 }); // 2.5 -> 3
    expect(await bucket.take('d', small, T0 + 500)).toEqual({ allowed: false, used: 3, size: 3, retryAfterSeconds: 1 });
    expect(await bucket.take('d', small, T0 + 60_000)).toEqual({ allowed: true, used: 1, size: 3, retryAfterSeconds: 0 });
  });

  test('a slow drain gives a longer Retry-After; cost counts several calls', async () => {
    const slow = { size: 2, perSecond: 0.25 };
    expect(await bucket.take('e', slow, T0, 2)).toEqual({ allowed: true, used: 2, size: 2, retryAfterSeconds: 0 });
    expect(await bucket.take('e', slow, T0)).toEqual({ allowed: false, used: 2, size: 2, retryAfterSeconds: 4 });
  });

  test('concurrent takes never overfill the bucket', async () => {
    const results = await Promise.all(Array.from({ length: 60 }, () => bucket.take('f', LIMIT, T0)));
    expect(results.filter((r) => r.allowed)).toHaveLength(40);
    expect(results.filter((r) => !r.allowed).every((r) => r.used === 40 && r.retryAfterSeconds === 1)).toBe(true);
  });
});

describe('Redis unreachable', () => {
  test('take() rejects instead of hanging, so the API answers 503 (api/guard.ts); the lost connection is reported once', async () => {
    const errors: Error[] = [];
    const bucket = new RedisLeakyBucket('redis://127.0.0.1:1', 'x:', (err) => errors.push(err));
    await expect(bucket.take('k', LIMIT, T0)).rejects.toThrow();
    await bucket.close();
    expect(errors.map((e) => (e as NodeJS.ErrnoException).code)).toEqual(['ECONNREFUSED']);
  }, 10_000);
});
