import { ManualClock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config.js';
import { buildServer, type Server } from '../../src/http/server.js';
import type { OAuthContext } from '../../src/oauth/context.js';
import { openStore, type KyselyStore } from '../../src/store/kysely/store.js';
import type { FastifyInstance } from 'fastify';

export interface TestServer {
  /** http://127.0.0.1:PORT */
  url: string;
  /** http://127.0.0.1:PORT/malls/{mallId} */
  mallUrl(mallId: string): string;
  app: FastifyInstance;
  ctx: OAuthContext;
  store: KyselyStore;
  clock: ManualClock;
  config: Config;
  /** Expired codes, tokens and sessions, purged on demand (oauth/purge.ts). */
  purger: Server['purger'];
  close(): Promise<void>;
}

/**
 * A real shopauth on a loopback port with a controllable clock.
 * The store is an in-memory SQLite unless `db` names a file or a PostgreSQL URL.
 */
export async function startServer(
  options: { db?: string; config?: Partial<Config>; clock?: ManualClock; log?: NodeJS.WritableStream; demo?: boolean } = {},
): Promise<TestServer> {
  const clock = options.clock ?? new ManualClock(Date.parse('2026-03-01T03:00:00.000Z'));
  const config: Config = { ...loadConfig({}, {}), db: options.db ?? ':memory:', port: 0, logLevel: 'silent', ...options.config };
  const store = await openStore(config.db);
  const { app, ctx, purger } = await buildServer({ config, store, clock, log: options.log ?? false, demo: options.demo === true });
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
    async close() {
      await app.close();
      await store.close();
    },
  };
}
