/**
 * The data every SQLite target starts from, made once per run with shopauth's own store and
 * registry (`node --import tsx bench/seed.ts DIR`): one file `DIR/template.db` (shopauth's schema
 * and migrations, closed cleanly so there is no WAL) and `DIR/seed.json` (ids, secrets, tokens).
 * Each target copies the file to its own directory (`copyTemplate`), so shopauth and the floors
 * serve the same rows (the same mall, app, credentials, 240 products) from the same tables and
 * indexes, and a refresh token of the pool is valid once in each copy.
 *
 * The server secret is fixed so a floor can derive the same key and keyed hashes as shopauth
 * (keys/server-keys.ts: HKDF-SHA256 of the 32-byte key, a key id; oauth/secrets.ts: "kid." and
 * the HMAC-SHA256 of purpose + secret, base64url).
 */
import Database from 'better-sqlite3';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MALL = 'benchmall';
export const SCOPES = ['mall.read_store', 'mall.read_product'];
/** A high-entropy key (32 bytes as hex): shopauth derives its HMAC key with HKDF, no scrypt (keys/server-keys.ts). */
export const SERVER_SECRET = 'b3e7c1d2a4f5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f';
/** Fixed so issuers (and JWT iss/aud) are the same bytes on every target, whatever its port. */
export const PUBLIC_URL = 'http://127.0.0.1';

export interface Seed {
  mallId: string;
  timezone: string;
  /** The Cafe24-style app (client_secret_basic) and its grant. */
  clientId: string;
  clientSecret: string;
  grantId: string;
  /** POD Shop API credentials of the mall. */
  podId: string;
  podSecret: string;
  /** A live opaque access token of the app (bearer reads, introspection). */
  accessToken: string;
  /** Unused refresh tokens of the app, each its own family: the first token of each chain (bench/wrk.lua). */
  refreshPool: string[];
  products: number;
  /** The durability of shopauth's SQLite writer as a PRAGMA synchronous level (OFF, NORMAL, FULL, EXTRA): the floors and the peer's adapter use the same. */
  synchronous: string;
}

/** The PostgreSQL copy of the template (BENCH_PG_URL), when a PostgreSQL target runs. */
export const pgUrl = (): string | undefined => process.env.BENCH_PG_URL;

/** The seed of this run (BENCH_SEED_DIR, set by bench/run.ts). */
export function readSeed(): Seed {
  return JSON.parse(readFileSync(join(seedDir(), 'seed.json'), 'utf8')) as Seed;
}

function seedDir(): string {
  const dir = process.env.BENCH_SEED_DIR;
  if (!dir) throw new Error('BENCH_SEED_DIR is not set: targets are started by bench/run.ts');
  return dir;
}

/** A private copy of the template database, `dir/shopauth.db`. */
export function copyTemplate(dir: string): string {
  const file = join(dir, 'shopauth.db');
  copyFileSync(join(seedDir(), 'template.db'), file);
  return file;
}

async function main(dir: string, poolSize: number) {
  const { systemClock } = await import('../src/clock.js');
  const { defaultLifetimes } = await import('../src/config.js');
  const { generateSampleData } = await import('../src/api/sample-data.js');
  const { createAppContext } = await import('../src/app-context.js');
  const { createCredentials } = await import('../src/registry/credentials.js');
  const { createApp, createMall } = await import('../src/registry/registry.js');
  const { randomToken } = await import('../src/oauth/secrets.js');
  const { issueTokenPair } = await import('../src/oauth/tokens/issue.js');
  const { openStore } = await import('../src/store/kysely/store.js');

  mkdirSync(dir, { recursive: true });
  const store = await openStore(join(dir, 'template.db'));
  const ctx = await createAppContext({ store, clock: systemClock, lifetimes: defaultLifetimes, secret: SERVER_SECRET });
  const deps = { store, clock: systemClock, hasher: ctx.hasher };
  const mall = await createMall(deps, { mallId: MALL, name: 'Bench Mall' });
  const created = await createApp(deps, { name: 'Bench App', appUrl: 'https://app.example/', redirectUris: ['https://app.example/oauth/callback'], scopes: SCOPES, rateLimit: 'off' });
  const clientId = created.app.clientId;
  // The bucket and the usage layer off: the bench measures the work of a call, not a 429.
  await store.shop.usageLimits.set(clientId, 'off');
  const now = systemClock.now();
  const grant = await store.grants.upsert({ grantId: randomToken(16), mallId: MALL, clientId, userId: 'boss', scopes: SCOPES, updatedAt: now });
  const pod = await createCredentials(deps, { mallId: MALL, scopes: SCOPES, rateLimit: 'off' });
  const { products } = generateSampleData(1, now, { products: 240, customers: 0, orders: 0 });
  await store.shop.products.create(MALL, products, now - 400 * 86_400_000);

  const subject = () => ({ issuer: `${PUBLIC_URL}/malls/${MALL}`, mallId: MALL, clientId, userId: 'boss', scopes: SCOPES, grantId: grant.grantId, familyId: randomToken(16) });
  const access = await issueTokenPair(ctx, subject());
  const refreshPool: string[] = [];
  while (refreshPool.length < poolSize) {
    await store.transaction(async (trx) => {
      for (let i = 0; i < 1000 && refreshPool.length < poolSize; i++) refreshPool.push((await issueTokenPair(ctx, subject(), { store: trx })).refreshToken);
    });
  }
  await store.shop.usageLimits.set(pod.app.clientId, 'off');
  await ctx.audit.flush();
  const { sql } = await import('kysely');
  const level = (await sql<{ synchronous: number }>`pragma synchronous`.execute(store.db)).rows[0]?.synchronous ?? -1;
  await store.close();
  const seed: Seed = {
    mallId: MALL,
    timezone: mall.timezone,
    clientId,
    clientSecret: created.clientSecret ?? '',
    grantId: grant.grantId,
    podId: pod.app.clientId,
    podSecret: pod.clientSecret,
    accessToken: access.accessToken,
    refreshPool,
    products: products.length,
    // shopauth's writer runs NORMAL and fdatasyncs the WAL itself before any answer
    // (store/dialects/sqlite.ts, docs/store.md): as durable as FULL, which the floors use.
    synchronous: level === 1 ? 'FULL' : (['OFF', 'NORMAL', 'FULL', 'EXTRA'][level] ?? `unknown (${level})`),
  };
  writeFileSync(join(dir, 'seed.json'), JSON.stringify(seed));
  if (process.env.BENCH_PG_URL) await copyToPostgres(join(dir, 'template.db'), process.env.BENCH_PG_URL);
}

/**
 * The PostgreSQL copy (BENCH_PG_URL, a `?schema=` of its own made by bench/run.ts): shopauth's store
 * migrates the schema, then every row of the SQLite template is copied as it is (same ids, keyed
 * hashes, signing keys), so the PostgreSQL targets serve the same rows as the SQLite ones.
 */
async function copyToPostgres(file: string, url: string) {
  const { sql } = await import('kysely');
  const { openStore } = await import('../src/store/kysely/store.js');
  const store = await openStore(url);
  const lite = new Database(file, { readonly: true });
  const tables = lite.prepare<[], { name: string }>("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%'").all();
  await store.db.transaction().execute(async (trx) => {
    for (const { name } of tables) {
      await sql`delete from ${sql.id(name)}`.execute(trx);
      const rows = lite.prepare(`select * from "${name}"`).all() as Record<string, unknown>[];
      for (let i = 0; i < rows.length; i += 500) await trx.insertInto(name as never).values(rows.slice(i, i + 500) as never).execute();
    }
  });
  lite.close();
  await store.close();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: bench/seed.ts DIR [POOL]');
  await main(dir, Number(process.argv[3] ?? 2000));
}
