import { ManualClock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config.js';
import { buildServer, type Server } from '../../src/http/server.js';
import type { AppContext } from '../../src/app-context.js';
import { openStore, type KyselyStore } from '../../src/store/kysely/store.js';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { Redis } from 'ioredis';
import { pgSchemaUrl } from './dialects.js';

export interface TestServer {
  /** http://127.0.0.1:PORT */
  url: string;
  /** http://127.0.0.1:PORT/malls/{mallId} */
  mallUrl(mallId: string): string;
  app: FastifyInstance;
  ctx: AppContext;
  store: KyselyStore;
  clock: ManualClock;
  config: Config;
  /** Expired codes, tokens and sessions, purged on demand (ops/purge.ts). */
  purger: Server['purger'];
  /** The server's webhook worker (not on a timer: tick it). */
  webhooks: Server['webhooks'];
  /** Prefix of this server's keys in Redis; pass it to a second server to share its buckets. */
  keyPrefix: string;
  close(): Promise<void>;
}

/** The store of a server whose suite names none (vitest.config.ts): SHOPAUTH_TEST_STORE=postgres, else SQLite. */
export const TEST_STORE: 'sqlite' | 'postgres' = process.env.SHOPAUTH_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';
/** Redis for the shared state of a server whose suite names none (SHOPAUTH_TEST_REDIS), else memory. */
export const TEST_REDIS: string | null = process.env.SHOPAUTH_TEST_REDIS || null;
/** The test machine's Redis (DEVELOPERS.md); a server on it has its keys deleted on close. */
const MACHINE_REDIS = TEST_REDIS ?? 'redis://127.0.0.1:6379';

/**
 * A real shopauth on a loopback port with a controllable clock.
 * The store is an in-memory SQLite unless `db` names a file or a PostgreSQL URL; with
 * SHOPAUTH_TEST_STORE=postgres, a private PostgreSQL schema dropped on close. With
 * SHOPAUTH_TEST_REDIS, the shared state is in Redis under a key prefix of this server's own,
 * deleted on close.
 */
export async function startServer(
  options: { db?: string; config?: Partial<Config>; clock?: ManualClock; log?: NodeJS.WritableStream; demo?: boolean; keyPrefix?: string; onRoute?: (route: RouteOptions) => void } = {},
): Promise<TestServer> {
  const clock = options.clock ?? new ManualClock(Date.parse('2026-03-01T03:00:00.000Z'));
  const schema = options.db === undefined && TEST_STORE === 'postgres' ? pgSchemaUrl() : undefined;
  const redisUrl = options.config?.redisUrl === undefined ? TEST_REDIS : options.config.redisUrl;
  // Servers that share Redis on purpose pass the same prefix (another server's keyPrefix).
  const keyPrefix = options.keyPrefix ?? `shopauth:test:${randomBytes(6).toString('hex')}:`;
  const config: Config = { ...loadConfig({}, {}), db: options.db ?? schema?.url ?? ':memory:', port: 0, logLevel: 'silent', ...options.config, redisUrl };
  const store = await openStore(config.db);
  const { app, ctx, purger, webhooks } = await buildServer({ config, store, clock, log: options.log ?? false, demo: options.demo === true, sharedKeyPrefix: keyPrefix, webhooks: { allowInternalNetworks: true }, ...(options.onRoute ? { onRoute: options.onRoute } : {}) });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url: address,
    mallUrl: (mallId) => `${address}/malls/${mallId}`,
    app,
    ctx,
    store,
    clock,
    config,
    purger,
    webhooks,
    keyPrefix,
    async close() {
      await app.close();
      await store.close();
      await schema?.drop();
      // Only where Redis is known to run: a suite may name an unreachable one on purpose.
      if (redisUrl === MACHINE_REDIS) await deleteKeys(redisUrl, keyPrefix);
    },
  };
}

/** Deletes a test server's keys from Redis (its buckets and usage counters). */
async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  try {
    await redis.connect();
    for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 500 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) await redis.del(...keys);
    }
  } finally {
    redis.disconnect();
  }
}
