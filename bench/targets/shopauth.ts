/**
 * shopauth itself, on a SQLite file (WAL, the embedded default), built with buildServer as
 * `shopauth serve` builds it, logs off, rate limits off (the bench measures the server, not its limiter).
 * - refresh: `POST /malls/{mall}/api/v2/oauth/token`, grant_type=refresh_token, client_secret_basic;
 *   every request presents an unused refresh token from a pool minted before listening, so each
 *   request is a full rotation (lookup, rotate, grant check, mint and store a new pair).
 * - read: `GET /malls/{mall}/api/v2/admin/store` with one valid bearer token (lookup by hash).
 * - pod: `POST /ac/oauth/ext/token` with Basic API credentials (POD Shop dialect), no body:
 *   authenticate the credentials, sign an ES256 JWT access token, store it and a refresh token.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config.js';
import { buildServer } from '../../src/http/server.js';
import { createCredentials } from '../../src/oauth/credentials.js';
import { createApp, createMall } from '../../src/oauth/registry.js';
import { randomToken } from '../../src/oauth/secrets.js';
import { issueTokenPair, type TokenSubject } from '../../src/oauth/tokens/issue.js';
import { openStore } from '../../src/store/kysely/store.js';
import { announce, fail, modeArg, poolSize } from '../child.js';

const mode = modeArg(['refresh', 'read', 'pod'] as const);
const MALL = 'benchmall';
const SCOPES = ['mall.read_store', 'mall.read_product'];

async function main() {
  // A real file (the embedded default is a file in WAL mode); BENCH_DB_DIR=/dev/shm takes the disk out.
  const dir = mkdtempSync(join(process.env.BENCH_DB_DIR ?? tmpdir(), 'shopauth-bench-'));
  const config: Config = { ...loadConfig({}, {}), db: join(dir, 'shopauth.db'), port: 0, logLevel: 'silent', rateLimit: null };
  const store = await openStore(config.db);
  const { app, ctx } = await buildServer({ config, store, clock: systemClock, log: false });
  const deps = { store, clock: systemClock, hasher: ctx.hasher };
  await createMall(deps, { mallId: MALL, name: 'Bench Mall' });
  const created = await createApp(deps, {
    name: 'Bench App',
    appUrl: 'https://app.example/',
    redirectUris: ['https://app.example/oauth/callback'],
    scopes: SCOPES,
    rateLimit: 'off',
  });
  const clientId = created.app.clientId;
  const now = systemClock.now();
  const grant = await store.grants.upsert({ grantId: randomToken(16), mallId: MALL, clientId, userId: 'boss', scopes: SCOPES, updatedAt: now });
  const subject = (): TokenSubject => ({
    issuer: `http://127.0.0.1/malls/${MALL}`,
    mallId: MALL,
    clientId,
    userId: 'boss',
    scopes: SCOPES,
    grantId: grant.grantId,
    familyId: randomToken(16),
  });

  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const port = Number(new URL(address).port);
  const close = async () => {
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  };

  if (mode === 'read') {
    const issued = await issueTokenPair(ctx, subject());
    announce(
      {
        port,
        method: 'GET',
        path: `/malls/${MALL}/api/v2/admin/store`,
        headers: { authorization: `Bearer ${issued.accessToken}` },
        note: 'fastify + SQLite: bearer lookup by HMAC hash, scope check, store resource JSON',
      },
      close,
    );
    return;
  }

  if (mode === 'pod') {
    const credentials = await createCredentials(deps, { mallId: MALL, scopes: SCOPES, rateLimit: 'off' });
    announce(
      {
        port,
        method: 'POST',
        path: '/ac/oauth/ext/token',
        headers: { authorization: `Basic ${Buffer.from(`${credentials.app.clientId}:${credentials.clientSecret}`).toString('base64')}` },
        note: 'fastify + SQLite: POD Shop credentials token, ES256 JWT access token + refresh token stored',
      },
      close,
    );
    return;
  }

  // A pool of unused refresh tokens, each of its own family, minted in batches of one transaction.
  const size = poolSize();
  const bodies: string[] = [];
  while (bodies.length < size) {
    const batch = Math.min(2000, size - bodies.length);
    await store.transaction(async (trx) => {
      for (let i = 0; i < batch; i++) {
        const issued = await issueTokenPair(ctx, subject(), { store: trx });
        bodies.push(`grant_type=refresh_token&refresh_token=${issued.refreshToken}`);
      }
    });
  }
  announce(
    {
      port,
      method: 'POST',
      path: `/malls/${MALL}/api/v2/oauth/token`,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${clientId}:${created.clientSecret ?? ''}`).toString('base64')}`,
      },
      bodies,
      note: 'fastify + SQLite: client auth, refresh rotation in a transaction, new pair stored, Cafe24 JSON',
    },
    close,
  );
}

main().catch(fail);
