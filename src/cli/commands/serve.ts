import cluster from 'node:cluster';
import type { FastifyInstance } from 'fastify';
import { systemClock } from '../../clock.js';
import { loadConfig, type Config } from '../../config.js';
import { buildServer } from '../../http/server.js';
import { openStore } from '../../store/kysely/store.js';
import { seedDemo } from '../../demo.js';
import { parse, result, str, type CliIO } from '../io.js';
import { createAppContext, type AppContext } from '../../app-context.js';
import { inCluster, runPrimary, shareRegistry, workerRole } from '../../ops/cluster.js';
import { startJobs } from '../../ops/jobs.js';
import { resealAll, sealedCount } from '../../keys/reseal.js';
import { webhookSettingFromEnv } from '../../webhooks/worker.js';

/** The flags of `serve`; each is also an environment variable and a config file key (config.ts). */
const SERVE_FLAGS = ['port', 'host', 'public-url', 'mall-domain', 'rate-limit', 'redis', 'api-versions', 'trust-proxy', 'log-level', 'secret-file', 'token-rate-limit', 'refresh-grace-seconds', 'workers', 'shutdown-timeout', 'metrics-token', 'audit-retention-days', 'config'] as const;

/**
 * `shopauth serve [--port 8080] [--workers N|auto] [--config shopauth.json] [--demo] ...`: runs
 * until SIGTERM or SIGINT, then stops gracefully (docs/operations.md): stop accepting, let
 * in-flight requests finish (at most --shutdown-timeout), flush the audit batch, close the pools,
 * exit 0. With --workers N the primary supervises N worker processes (ops/cluster.ts).
 */
export async function serve(args: string[], io: CliIO): Promise<number> {
  const p = parse(args, { demo: { type: 'boolean' }, ...Object.fromEntries(SERVE_FLAGS.map((f) => [f, { type: 'string' as const }])) });
  const flags: Record<string, string | boolean | undefined> = {};
  for (const k of ['db', ...SERVE_FLAGS]) flags[k] = str(p, k);
  const config = loadConfig(flags);
  const demo = p.values.demo === true;
  if (cluster.isPrimary && config.workers > 1) return primary(config, demo, p.values.json === true, io);
  return runServer(config, { demo, json: p.values.json === true }, io);
}

/** The primary of `--workers N`: migrates and checks the key once, then supervises the workers. */
async function primary(config: Config, demo: boolean, json: boolean, io: CliIO): Promise<number> {
  const store = await openStore(config.db);
  try {
    const ctx = await createAppContext({ store, clock: systemClock, lifetimes: config.lifetimes, secret: config.secret, secretFile: config.secretFile });
    await checkServerKey(ctx, demo, io);
    if (demo) printDemo(io, json, await seedDemo(ctx, config.publicUrl ?? `http://${config.host}:${config.port}`));
    await ctx.audit.flush();
  } finally {
    await store.close();
  }
  io.err(`shopauth: starting ${config.workers} workers on ${config.host}:${config.port} (store: ${/^postgres/.test(config.db) ? 'postgres' : 'sqlite'})`);
  return runPrimary({ workers: config.workers, stopTimeoutMs: config.shutdownTimeoutMs + 5000, log: (line) => io.err(line) });
}

/** A listen address on loopback: a sandbox on one machine (webhooks may then reach loopback receivers). */
const LOOPBACK_HOST = /^(127\.|::1$|\[::1\]$|localhost$)/;

/** One server process: the whole service, or one worker of a cluster. */
async function runServer(config: Config, options: { demo: boolean; json: boolean }, io: CliIO): Promise<number> {
  const store = await openStore(config.db);
  const webhookSetting = webhookSettingFromEnv(process.env);
  const { app, ctx, purger, webhooks, metrics } = await buildServer({ config, store, clock: systemClock, demo: options.demo, ...(webhookSetting ? { webhooks: { allowInternalNetworks: LOOPBACK_HOST.test(config.host), ...webhookSetting } } : {}) });
  try {
    if (!inCluster()) await checkServerKey(ctx, options.demo, io);
  } catch (error) {
    await app.close();
    await store.close();
    throw error;
  }
  if (inCluster()) shareRegistry(metrics.registries);
  // Background jobs (ops/jobs.ts): in a cluster, only the worker with the jobs role runs them.
  const jobs = startJobs(
    workerRole() === 'jobs'
      ? [
          { name: 'purge', start: () => purger.start(), stop: () => purger.stop() },
          // SHOPAUTH_WEBHOOKS=off: another instance delivers.
          ...(webhookSetting ? [{ name: 'webhooks', start: () => webhooks.start(), stop: () => webhooks.stop() }] : []),
        ]
      : [],
  );
  const address = await app.listen({ port: config.port, host: config.host });
  const base = config.publicUrl ?? address.replace('://[::1]', '://localhost');
  if (!inCluster()) {
    io.err(`shopauth listening on ${base} (store: ${store.dialect})`);
    // Without a public URL the issuer (and JWT iss/aud) follows the request's Host header: fine on
    // loopback, not for clients elsewhere (RFC 8414 §3.3: the issuer must be stable).
    if (config.publicUrl === null && !LOOPBACK_HOST.test(config.host)) {
      io.err('shopauth: warning: set --public-url (SHOPAUTH_PUBLIC_URL) when serving beyond loopback; issuers now follow the Host header');
    }
    if (options.demo) printDemo(io, options.json, await seedDemo(ctx, base));
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  // Holds the event loop open until every close has resolved: the SQLite store's close waits for
  // its checkpoint worker, an unref'd thread, and with nothing else alive Node would exit with 13
  // (an unsettled top-level await) before the store is closed.
  const keepAlive = setInterval(() => {}, 1000);
  try {
    await stopGracefully(app, config.shutdownTimeoutMs, io);
    await jobs.stop();
    await store.close();
  } finally {
    clearInterval(keepAlive);
  }
  // A worker's IPC channel to the primary would keep it alive: let go of it, so it exits 0.
  if (inCluster()) cluster.worker?.disconnect();
  return 0;
}

/**
 * Graceful stop: the listener closes (new connections are refused; a request arriving on a kept
 * connection gets 503 and Connection: close), in-flight requests finish, and connections are
 * closed as they fall idle. After `timeoutMs` whatever is left is cut. app.close() then runs the
 * onClose hooks: the audit batch is flushed and the shared state closed.
 */
async function stopGracefully(app: FastifyInstance, timeoutMs: number, io: CliIO): Promise<void> {
  if (!inCluster()) io.err(`shopauth: stopping: no new connections; in-flight requests get up to ${timeoutMs / 1000} s`);
  const idle = setInterval(() => app.server.closeIdleConnections(), 50);
  const cut = setTimeout(() => {
    io.err(`shopauth: shutdown timeout (${timeoutMs} ms): closing the connections still open`);
    app.server.closeAllConnections();
  }, timeoutMs);
  try {
    await app.close();
  } finally {
    clearInterval(idle);
    clearTimeout(cut);
  }
}

function printDemo(io: CliIO, json: boolean, demo: Awaited<ReturnType<typeof seedDemo>>): void {
  result(
    io,
    json,
    demo,
    [
      'Demo mall ready. Open this URL in a browser and sign in:',
      `  ${demo.authorize_url}`,
      `  operator: ${demo.operator.user_id} / ${demo.operator.password}`,
      `  app:      client_id ${demo.app.client_id}, client_secret ${demo.app.client_secret}`,
      'Then the operator console lists the installed app and opens it (App URL launch):',
      `  ${demo.console_url}`,
    ].join('\n'),
  );
}

const KEY_HOWTO =
  'set SHOPAUTH_SECRET to a 32-byte key (openssl rand -base64 32) or a long passphrase, or use a key file: ' +
  'shopauth keys rotate-secret --secret-file ./shopauth.key, then serve --secret-file ./shopauth.key (or SHOPAUTH_SECRET_FILE)';

/**
 * Issue 15, item 3: client secrets kept for App URL launches and JWT signing keys are sealed under
 * the server key, so that key must not live in the database it protects. Without an external key
 * `serve` refuses to start once anything is sealed (`--demo` excepted, with a warning); with one,
 * whatever another key of the ring sealed (the key kept in the store, a rotated key) is resealed now.
 */
async function checkServerKey(ctx: AppContext, demo: boolean, io: CliIO): Promise<void> {
  if (!ctx.keys.external) {
    const sealed = await sealedCount(ctx.store);
    if (sealed > 0 && !demo) {
      throw new Error(
        `refusing to start: ${sealed} sealed secret${sealed === 1 ? ' is' : 's are'} (client secrets kept for App URL launches, JWT signing keys) ` +
          `under the server key kept in this same database, so any copy of the database reveals them. To start, ${KEY_HOWTO}; ` +
          'they are resealed under it at start (--demo runs without one)',
      );
    }
    io.err(
      'shopauth: WARNING: no external server key: the key sealing client secrets and JWT signing keys is kept in the database, so a copy of the database reveals them' +
        `${demo ? ' (allowed with --demo)' : '; serve will refuse to start once anything is sealed'}. To fix, ${KEY_HOWTO}`,
    );
    return;
  }
  const { resealed, unopenable } = await resealAll(ctx.store, ctx.keys);
  if (resealed > 0) io.err(`shopauth: resealed ${resealed} secret${resealed === 1 ? '' : 's'} under the current server key ${ctx.keys.current.kid}`);
  if (unopenable > 0) io.err(`shopauth: warning: ${unopenable} sealed secret${unopenable === 1 ? '' : 's'} open under no configured server key (a key is missing from SHOPAUTH_SECRET or the key file)`);
}
