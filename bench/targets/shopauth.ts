/**
 * shopauth itself, on its own copy of the run's SQLite template (bench/seed.ts: WAL, the embedded
 * default), built with buildServer as `shopauth serve` builds it, logs off, rate limits off (API and token
 * endpoints: the bench measures the server, not its limiter), public URL fixed so issuers do not follow the port.
 * - soak: pod with short token lifetimes and a 10 s purge (bench/run.ts --soak).
 * - pod-pg: the same on PostgreSQL, the run's schema seeded from the template (bench/seed.ts).
 * - pod: `POST /ac/oauth/ext/token`, Basic API credentials, no body (POD Shop): authenticate, sign
 *   an ES256 JWT access token, store it and a refresh token.
 * - refresh: `POST /malls/{mall}/api/v2/oauth/token` grant_type=refresh_token, client_secret_basic:
 *   every request presents an unused refresh token (bench/wrk.lua chains each answer's new token),
 *   so each is a full rotation (lookup, rotate, grant check, mint and store a new pair).
 * - read, read-basic: `GET /malls/{mall}/api/v2/admin/products?limit=10` with the Bearer token, or
 *   with the POD Shop credentials as Basic: the API guard, then the 10-product page, Cafe24 JSON.
 * - introspect: `POST /malls/{mall}/api/v2/oauth/introspect` (RFC 7662) of the live access token.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config.js';
import { buildServer } from '../../src/http/server.js';
import { Purger } from '../../src/ops/purge.js';
import { openStore } from '../../src/store/kysely/store.js';
import { announce, fail, modeArg } from '../child.js';
import { copyTemplate, pgUrl, PUBLIC_URL, readSeed, SERVER_SECRET } from '../seed.js';
import { refreshChain } from './payloads.js';

const mode = modeArg(['pod', 'pod-pg', 'soak', 'refresh', 'read', 'read-basic', 'introspect'] as const);

/** The soak's short lifetimes and purge schedule, so expired rows are purged within the run. */
const SOAK = { lifetimes: { accessMs: 20_000, refreshMs: 40_000 }, purge: { everyMs: 10_000, retainMs: 10_000, batch: 1000, auditRetainMs: 10_000 } };

async function main() {
  const seed = readSeed();
  const dir = mkdtempSync(join(process.env.BENCH_DB_DIR ?? tmpdir(), 'shopauth-bench-'));
  const config: Config = { ...loadConfig({}, {}), db: mode === 'pod-pg' ? (pgUrl() ?? '') : copyTemplate(dir), port: 0, logLevel: 'silent', rateLimit: null, tokenRateLimit: null, secret: SERVER_SECRET, publicUrl: PUBLIC_URL };
  const store = await openStore(config.db);
  if (mode === 'soak') config.lifetimes = { ...config.lifetimes, ...SOAK.lifetimes };
  const { app } = await buildServer({ config, store, clock: systemClock, log: false });
  // serve's schedule (ops/purge.ts PURGE: every 10 min, 1 h retention) cannot show a bound in a
  // 10-minute soak, and serve has no setting for it: the soak runs shopauth's Purger on a short one.
  const purger = new Purger(store, systemClock, fail, SOAK.purge);
  if (mode === 'soak') purger.start();
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const port = Number(new URL(address).port);
  const close = async () => {
    await purger.stop();
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  };
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  const appBasic = basic(seed.clientId, seed.clientSecret);
  const form = { 'content-type': 'application/x-www-form-urlencoded', authorization: appBasic };
  const mall = `/malls/${seed.mallId}`;
  const products = `${mall}/api/v2/admin/products?limit=10`;
  const notes = {
    soak: 'the soak server: POD tokens (access 20 s, refresh 40 s) and bearer reads (the seed token, 2 h), purge every 10 s, 10 s retention',
    'pod-pg': 'POD Shop credentials token on PostgreSQL (the run\'s own schema, pg pool): as pod',
    pod: 'POD Shop credentials token: Basic, ES256 JWT (jose), access + refresh rows stored, audit event',
    refresh: 'Cafe24 refresh with rotation: client auth, token lookup, rotate, grant check, new pair stored, audit event',
    read: 'products?limit=10 with a Bearer token: API guard (HMAC, token lookup, app settings, scope, version), page query, Cafe24 JSON',
    'read-basic': 'products?limit=10 with POD Shop Basic credentials: API guard, page query, Cafe24 JSON',
    introspect: 'RFC 7662 introspection of a live access token, client_secret_basic',
  };
  const note = `shopauth (fastify + ${mode === 'pod-pg' ? 'PostgreSQL' : 'SQLite'}): ${notes[mode]}`;
  const files = mode === 'pod-pg' ? [] : [config.db, `${config.db}-wal`];
  if (mode === 'pod' || mode === 'pod-pg' || mode === 'soak') announce({ port, method: 'POST', path: '/ac/oauth/ext/token', headers: { authorization: basic(seed.podId, seed.podSecret) }, note, files }, close);
  if (mode === 'refresh') announce({ port, method: 'POST', path: `${mall}/api/v2/oauth/token`, headers: form, chain: refreshChain(seed.refreshPool), note, files }, close);
  if (mode === 'read') announce({ port, method: 'GET', path: products, headers: { authorization: `Bearer ${seed.accessToken}` }, note, files }, close);
  if (mode === 'read-basic') announce({ port, method: 'GET', path: products, headers: { authorization: basic(seed.podId, seed.podSecret) }, note, files }, close);
  if (mode === 'introspect') announce({ port, method: 'POST', path: `${mall}/api/v2/oauth/introspect`, headers: form, body: `token=${seed.accessToken}`, note, files }, close);
}

main().catch(fail);
