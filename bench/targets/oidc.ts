/**
 * The peer: node-oidc-provider 8 (the release line supporting Node 20), with a SQLite adapter
 * written the way shopauth's store is set up (better-sqlite3, WAL, shopauth's synchronous level, prepared
 * statements), so the comparison is on the same storage. Dev interactions unused; no JWTs signed.
 * - cc: `POST /token` grant_type=client_credentials, client_secret_basic: authenticate, mint and
 *   store one opaque access token.
 * - cc-memory: the same with the provider's default in-memory adapter (nothing durable): issue 13's
 *   yardstick for the POD token.
 * - refresh: `POST /token` grant_type=refresh_token with rotation on, an unused refresh token per
 *   request (pool minted before listening), scopes without `openid` so no ID token is signed:
 *   lookup, grant lookup, consume, new refresh token and access token stored (shopauth's work).
 * - userinfo: `GET /me` with a valid opaque access token (scope openid): the provider's
 *   bearer-protected read (token lookup, grant lookup, account claims).
 * - introspect: `POST /token/introspection` (RFC 7662) of a live opaque access token, client_secret_basic.
 * The adapter's `synchronous` is shopauth's own (bench/seed.ts), so both store on the same terms.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import Provider from 'oidc-provider';
import { announce, fail, modeArg, poolSize } from '../child.js';
import { readSeed } from '../seed.js';
import { refreshChain } from './payloads.js';

const mode = modeArg(['cc', 'cc-memory', 'refresh', 'userinfo', 'introspect'] as const);
const CLIENT_ID = 'bench-client';
const CLIENT_SECRET = randomBytes(24).toString('base64url');

const dir = mkdtempSync(join(process.env.BENCH_DB_DIR ?? tmpdir(), 'oidc-bench-'));
const db = new BetterSqlite3(join(dir, 'oidc.db'));
db.pragma('journal_mode = WAL');
const synchronous = process.env.BENCH_SYNCHRONOUS ?? readSeed().synchronous;
db.pragma(`synchronous = ${synchronous}`);
db.exec(`create table if not exists oidc (
  model text not null, id text not null, payload text not null, grant_id text, user_code text, uid text,
  expires_at integer, consumed_at integer, primary key (model, id))`);
db.exec('create index if not exists oidc_grant on oidc (grant_id)');
const sql = {
  upsert: db.prepare(
    `insert into oidc (model, id, payload, grant_id, user_code, uid, expires_at) values (?, ?, ?, ?, ?, ?, ?)
     on conflict (model, id) do update set payload = excluded.payload, grant_id = excluded.grant_id, user_code = excluded.user_code, uid = excluded.uid, expires_at = excluded.expires_at`,
  ),
  find: db.prepare('select payload, consumed_at from oidc where model = ? and id = ?'),
  findBy: (column: 'uid' | 'user_code') => db.prepare(`select payload, consumed_at from oidc where model = ? and ${column} = ?`),
  consume: db.prepare('update oidc set consumed_at = ? where model = ? and id = ?'),
  destroy: db.prepare('delete from oidc where model = ? and id = ?'),
  revokeByGrantId: db.prepare('delete from oidc where grant_id = ?'),
};
const byUid = sql.findBy('uid');
const byUserCode = sql.findBy('user_code');

type Row = { payload: string; consumed_at: number | null } | undefined;
const payloadOf = (row: Row) => {
  if (!row) return undefined;
  const payload = JSON.parse(row.payload) as Record<string, unknown>;
  return row.consumed_at === null ? payload : { ...payload, consumed: row.consumed_at };
};
const epoch = () => Math.floor(Date.now() / 1000);

/** The adapter interface of oidc-provider, over one SQLite table. */
class SqliteAdapter {
  constructor(private readonly model: string) {}
  async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number) {
    sql.upsert.run(this.model, id, JSON.stringify(payload), payload.grantId ?? null, payload.userCode ?? null, payload.uid ?? null, expiresIn ? epoch() + expiresIn : null);
  }
  async find(id: string) {
    return payloadOf(sql.find.get(this.model, id) as Row);
  }
  async findByUid(uid: string) {
    return payloadOf(byUid.get(this.model, uid) as Row);
  }
  async findByUserCode(userCode: string) {
    return payloadOf(byUserCode.get(this.model, userCode) as Row);
  }
  async consume(id: string) {
    sql.consume.run(epoch(), this.model, id);
  }
  async destroy(id: string) {
    sql.destroy.run(this.model, id);
  }
  async revokeByGrantId(grantId: string) {
    sql.revokeByGrantId.run(grantId);
  }
}

async function main() {
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  const provider = new Provider('http://127.0.0.1', {
    ...(mode === 'cc-memory' ? {} : { adapter: SqliteAdapter }),
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        grant_types: ['client_credentials', 'refresh_token', 'authorization_code'],
        redirect_uris: ['https://app.example/oauth/callback'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: 'ES256',
      },
    ],
    jwks: { keys: [{ ...jwk, alg: 'ES256', use: 'sig', kid: 'bench' }] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: ['openid', 'offline_access', 'mall.read_store', 'mall.read_product'],
    features: { clientCredentials: { enabled: true }, introspection: { enabled: true }, devInteractions: { enabled: false } },
    rotateRefreshToken: true,
    ttl: { AccessToken: 7200, ClientCredentials: 7200, RefreshToken: 14 * 86400, Grant: 14 * 86400, IdToken: 3600, Interaction: 3600, Session: 86400 },
    findAccount: async (_ctx: unknown, sub: string) => ({ accountId: sub, claims: async () => ({ sub }) }),
  });
  const server = createServer(provider.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const close = async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    db.close();
    rmSync(dir, { recursive: true, force: true });
  };
  const basic = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;
  const form = { 'content-type': 'application/x-www-form-urlencoded', authorization: basic };

  if (mode === 'cc' || mode === 'cc-memory') {
    const storage = mode === 'cc' ? 'SQLite adapter: client_credentials, one opaque token stored' : 'its in-memory adapter: client_credentials, nothing durable';
    announce({ port, method: 'POST', path: '/token', headers: form, body: 'grant_type=client_credentials&scope=mall.read_store%20mall.read_product', note: `oidc-provider 8 + ${storage}` }, close);
    return;
  }

  const client = await provider.Client.find(CLIENT_ID);
  const grant = new provider.Grant({ accountId: 'boss', clientId: CLIENT_ID });
  grant.addOIDCScope(mode === 'userinfo' ? 'openid' : 'offline_access mall.read_store mall.read_product');
  const grantId = await grant.save();

  if (mode === 'userinfo' || mode === 'introspect') {
    const at = new provider.AccessToken({ accountId: 'boss', client, grantId, gty: 'authorization_code', scope: 'openid' });
    const token = await at.save();
    if (mode === 'userinfo') announce({ port, method: 'GET', path: '/me', headers: { authorization: `Bearer ${token}` }, note: 'oidc-provider 8 + SQLite adapter: userinfo with an opaque access token' }, close);
    else announce({ port, method: 'POST', path: '/token/introspection', headers: form, body: `token=${token}`, note: 'oidc-provider 8 + SQLite adapter: introspection of an opaque access token' }, close);
    return;
  }

  const size = poolSize();
  const pool: string[] = [];
  while (pool.length < size) {
    db.exec('begin');
    for (let i = 0; i < 1000 && pool.length < size; i++) {
      const rt = new provider.RefreshToken({ accountId: 'boss', client, grantId, gty: 'authorization_code', scope: 'offline_access mall.read_store mall.read_product' });
      pool.push(await rt.save());
    }
    db.exec('commit');
  }
  announce({ port, method: 'POST', path: '/token', headers: form, chain: refreshChain(pool), note: 'oidc-provider 8 + SQLite adapter: refresh_token with rotation, no ID token' }, close);
}

main().catch(fail);
