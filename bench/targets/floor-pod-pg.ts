/**
 * Floor of the POD Shop token on PostgreSQL: floor-pod.ts written with a `pg` Pool (the size and
 * BIGINT parsing of shopauth's own, src/store/dialects/postgres.ts) on the run's schema: parse
 * Basic, one indexed credential lookup and the HMAC of the key, an ES256 JWT signed with
 * node:crypto, then one transaction (BEGIN, two inserts, COMMIT) storing the access and refresh
 * rows, and POD Shop's five-field JSON. One transaction per request, no batching.
 */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import pg from 'pg';
import { fail } from '../child.js';
import { pgUrl, PUBLIC_URL } from '../seed.js';
import { basicOf, hash, hashEquals, NO_STORE, seed, send, serveFloor } from './floor.js';

const url = new URL(pgUrl() ?? '');
const schema = url.searchParams.get('schema') ?? 'public';
url.searchParams.delete('schema');
const types = { getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === 20 ? Number : pg.types.getTypeParser(oid, format as 'text')) };
const pool = new pg.Pool({ connectionString: url.toString(), max: 10, types: types as pg.CustomTypesConfig, options: `-c search_path=${schema}` });
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const header = Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'at+jwt', kid: randomBytes(12).toString('base64url') })).toString('base64url');
const issuer = `${PUBLIC_URL}/malls/${seed.mallId}`;
const ACCESS_S = 3600;
const REFRESH_S = 14 * 86400;
const INSERT = `insert into tokens (token_hash, kind, mall_id, client_id, user_id, grant_id, family_id, scopes, jti, issued_at, expires_at, rotated_at, revoked_at)
  values ($1, $2, $3, $4, $5, null, $6, $7, $8, $9, $10, null, null)`;

async function issue(authorization: string | undefined) {
  const basic = basicOf(authorization);
  if (!basic) return undefined;
  const app = (await pool.query<{ secret_hash: string | null; kind: string; mall_id: string | null; scopes: string; revoked_at: number | null }>({ name: 'app', text: 'select secret_hash, kind, mall_id, scopes, revoked_at from apps where client_id = $1', values: [basic.id] })).rows[0];
  if (!app || app.kind !== 'credentials' || app.revoked_at !== null || app.secret_hash === null || !app.mall_id || !hashEquals(hash(basic.secret, 'client'), app.secret_hash)) return undefined;
  const scopes = JSON.parse(app.scopes) as string[];
  const now = Date.now();
  const iat = Math.floor(now / 1000);
  const jti = randomBytes(16).toString('base64url');
  const claims = { client_id: basic.id, scope: scopes.join(' '), iss: issuer, sub: basic.id, aud: issuer, iat, exp: iat + ACCESS_S, jti };
  const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  const accessToken = `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
  const refreshToken = randomBytes(32).toString('base64url');
  const family = randomBytes(16).toString('base64url');
  const row = [app.mall_id, basic.id, basic.id, family, app.scopes];
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query({ name: 'insert', text: INSERT, values: [hash(accessToken), 'access', ...row, jti, now, now + ACCESS_S * 1000] });
    await client.query({ name: 'insert', text: INSERT, values: [hash(refreshToken), 'refresh', ...row, null, now, now + REFRESH_S * 1000] });
    await client.query('commit');
  } finally {
    client.release();
  }
  return { access_token: accessToken, token_type: 'bearer', expires_in: ACCESS_S - 1, refresh_token: refreshToken, refresh_expires_in: REFRESH_S - 1 };
}

try {
  serveFloor(
    (req, _body, res) => {
      issue(req.headers.authorization).then(
        (answer) => (answer ? send(res, 200, answer, NO_STORE) : send(res, 401, { error: 'invalid_client' }, { ...NO_STORE, 'www-authenticate': 'Basic realm="shopauth"' })),
        (error: unknown) => send(res, 500, { error: 'server_error', error_description: String(error) }),
      );
    },
    { method: 'POST', path: '/ac/oauth/ext/token', headers: { authorization: `Basic ${Buffer.from(`${seed.podId}:${seed.podSecret}`).toString('base64')}` } },
    'POD token: Basic, credential lookup, HMAC, ES256 JWT (node:crypto), one transaction storing the pair',
    { label: 'pg Pool (max 10), PostgreSQL', files: [], close: () => pool.end() },
  );
} catch (error) {
  fail(error);
}
