import { Redis } from 'ioredis';
import type { BucketLimit, BucketResult, LeakyBucket } from './leaky-bucket.js';

/**
 * The leaky bucket in Redis, for several instances behind one load balancer: one Lua script
 * reads, drains, pours and writes atomically (the same arithmetic as pour() in leaky-bucket.ts).
 * The key expires once the bucket would be empty. Returns {allowed, used, retryAfter}.
 */
const SCRIPT = `
local size = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'level', 'at')
local level = tonumber(state[1]) or 0
local at = tonumber(state[2]) or now
local elapsed = now - at
if elapsed < 0 then elapsed = 0 end
level = level - (elapsed / 1000) * rate
if level < 0 then level = 0 end
local allowed = 0
local retry = 0
if level + cost <= size + 1e-9 then
  level = level + cost
  allowed = 1
else
  retry = math.ceil((level + cost - size) / rate - 1e-9)
  if retry < 1 then retry = 1 end
end
redis.call('HSET', KEYS[1], 'level', tostring(level), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(level / rate * 1000) + 1000)
local used = math.ceil(level - 1e-9)
if used > size then used = size end
return {allowed, used, retry}
`;

/** The shared state cannot be reached; requests that need it are refused with 503. */
export class SharedStateUnavailable extends Error {
  override readonly name = 'SharedStateUnavailable';
}

export class RedisLeakyBucket implements LeakyBucket {
  private readonly redis: Redis;

  constructor(url: string, private readonly prefix = 'shopauth:bucket:', onError: (err: Error) => void = () => {}) {
    // commandTimeout: a backstop so no request waits long on a Redis that stopped answering.
    this.redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableAutoPipelining: true, commandTimeout: 2000 });
    // ioredis reconnects by itself; report a lost connection once per 30 s, not on every retry.
    let reportedAt = -Infinity;
    this.redis.on('error', (err: Error) => {
      if (Date.now() - reportedAt < 30_000) return;
      reportedAt = Date.now();
      onError(err);
    });
    this.redis.defineCommand('shopauthPour', { numberOfKeys: 1, lua: SCRIPT });
  }

  /**
   * Fails at once while the connection is known lost (ioredis is reconnecting): a request must
   * not queue behind reconnect attempts; the caller answers 503 (docs/operations.md).
   */
  private ensureReachable(): void {
    const status = this.redis.status;
    if (status === 'reconnecting' || status === 'close' || status === 'end') throw new SharedStateUnavailable(`redis is unreachable (${status})`);
  }

  async take(key: string, limit: BucketLimit, nowMs: number, cost = 1): Promise<BucketResult> {
    this.ensureReachable();
    const run = (this.redis as unknown as { shopauthPour: (...args: (string | number)[]) => Promise<[number, number, number]> }).shopauthPour;
    const [allowed, used, retry] = await run.call(this.redis, this.prefix + key, limit.size, limit.perSecond, nowMs, cost);
    return { allowed: allowed === 1, used, size: limit.size, retryAfterSeconds: retry };
  }

  async reset(key: string): Promise<void> {
    this.ensureReachable();
    await this.redis.del(this.prefix + key);
  }

  /** PING (readiness): resolves when Redis answers. */
  async ping(): Promise<void> {
    this.ensureReachable();
    try {
      await this.redis.ping();
    } catch (error) {
      // Lost while the command waited (ioredis: "Reached the max retries ...", a timeout): the same answer.
      throw new SharedStateUnavailable(`redis is unreachable (${error instanceof Error ? error.message.slice(0, 100) : 'no answer'})`);
    }
  }

  async close(): Promise<void> {
    if (this.redis.status === 'wait' || this.redis.status === 'end') {
      this.redis.disconnect();
      return;
    }
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
