/**
 * Floor of RFC 7662 introspection (`POST /malls/{mall}/api/v2/oauth/introspect`, token=...,
 * client_secret_basic): in one read transaction the client lookup and HMAC, the HMAC of the token
 * and its indexed lookup, the liveness and ownership checks (§4: inactive for anything else);
 * shopauth's JSON, field for field.
 */
import { fail } from '../child.js';
import { PUBLIC_URL } from '../seed.js';
import { authenticate, db, hash, NO_STORE, seed, send, serveFloor } from './floor.js';

type Row = { kind: string; mall_id: string; client_id: string; user_id: string; scopes: string; jti: string | null; issued_at: number; expires_at: number; rotated_at: number | null; revoked_at: number | null };
const find = db.prepare<[string], Row>('select kind, mall_id, client_id, user_id, scopes, jti, issued_at, expires_at, rotated_at, revoked_at from tokens where token_hash = ?');
const issuer = `${PUBLIC_URL}/malls/${seed.mallId}`;

const introspect = db.transaction((authorization: string | undefined, body: string): [number, unknown] => {
  const client = authenticate(authorization, 'app');
  if (!client) return [401, { error: 'invalid_client' }];
  const t = find.get(hash(new URLSearchParams(body).get('token') ?? ''));
  if (!t || t.client_id !== client.clientId || t.mall_id !== seed.mallId || t.revoked_at !== null || t.expires_at <= Date.now() || t.rotated_at !== null) {
    return [200, { active: false }];
  }
  return [200, {
    active: true, scope: (JSON.parse(t.scopes) as string[]).join(' '), client_id: t.client_id, username: t.user_id, sub: t.user_id, iss: issuer,
    exp: Math.floor(t.expires_at / 1000), iat: Math.floor(t.issued_at / 1000), ...(t.kind === 'access' ? { token_type: 'Bearer' } : {}),
    ...(t.jti !== null ? { jti: t.jti } : {}), mall_id: t.mall_id,
  }];
});

try {
  serveFloor(
    (req, body, res) => {
      const [status, answer] = introspect(req.headers.authorization, body);
      send(res, status, answer, NO_STORE);
    },
    {
      method: 'POST',
      path: `/malls/${seed.mallId}/api/v2/oauth/introspect`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${seed.clientId}:${seed.clientSecret}`).toString('base64')}` },
      body: `token=${seed.accessToken}`,
    },
    'introspection: client lookup + HMAC, token lookup, checks, one read transaction',
  );
} catch (error) {
  fail(error);
}
