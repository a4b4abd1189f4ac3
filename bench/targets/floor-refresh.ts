/**
 * Floor of the Cafe24 refresh with rotation (`POST /malls/{mall}/api/v2/oauth/token`,
 * grant_type=refresh_token, client_secret_basic): in one write transaction the client lookup and
 * HMAC, the token lookup, the conditional update that rotates it (a reuse revokes the family,
 * RFC 9700 §4.14.2), the new pair inserted; Cafe24's JSON. The grant is not looked up: revoking a
 * grant can revoke its tokens instead, so that lookup is not essential work.
 */
import { randomBytes } from 'node:crypto';
import { fail } from '../child.js';
import { authenticate, db, hash, localTime, NO_STORE, seed, send, serveFloor } from './floor.js';
import { refreshChain } from './payloads.js';

type Row = { kind: string; mall_id: string; client_id: string; user_id: string; grant_id: string | null; family_id: string; scopes: string; expires_at: number; revoked_at: number | null };
const find = db.prepare<[string], Row>('select kind, mall_id, client_id, user_id, grant_id, family_id, scopes, expires_at, revoked_at from tokens where token_hash = ?');
const rotate = db.prepare('update tokens set rotated_at = ? where token_hash = ? and rotated_at is null and revoked_at is null');
const revokeFamily = db.prepare('update tokens set revoked_at = ? where family_id = ? and revoked_at is null');
const insert = db.prepare(
  `insert into tokens (token_hash, kind, mall_id, client_id, user_id, grant_id, family_id, scopes, jti, issued_at, expires_at, rotated_at, revoked_at)
   values (?, ?, ?, ?, ?, ?, ?, ?, null, ?, ?, null, null)`,
);
const ACCESS_MS = 2 * 3600_000;
const REFRESH_MS = 14 * 86400_000;

const refresh = db.transaction((authorization: string | undefined, body: string): [number, unknown] => {
  const client = authenticate(authorization, 'app');
  if (!client) return [401, { error: 'invalid_client' }];
  const presented = new URLSearchParams(body).get('refresh_token') ?? '';
  const old = find.get(hash(presented));
  const now = Date.now();
  if (!old || old.kind !== 'refresh' || old.client_id !== client.clientId || old.mall_id !== seed.mallId || old.revoked_at !== null || old.expires_at <= now) {
    return [400, { error: 'invalid_grant' }];
  }
  if (rotate.run(now, hash(presented)).changes !== 1) return (revokeFamily.run(now, old.family_id), [400, { error: 'invalid_grant' }]);
  const access = randomBytes(32).toString('base64url');
  const next = randomBytes(32).toString('base64url');
  insert.run(hash(access), 'access', old.mall_id, old.client_id, old.user_id, old.grant_id, old.family_id, old.scopes, now, now + ACCESS_MS);
  insert.run(hash(next), 'refresh', old.mall_id, old.client_id, old.user_id, old.grant_id, old.family_id, old.scopes, now, now + REFRESH_MS);
  const scopes = JSON.parse(old.scopes) as string[];
  return [200, {
    access_token: access, expires_at: localTime(now + ACCESS_MS), refresh_token: next, refresh_token_expires_at: localTime(now + REFRESH_MS),
    client_id: old.client_id, mall_id: old.mall_id, user_id: old.user_id, scopes, issued_at: localTime(now), shop_no: '1', token_type: 'Bearer',
    expires_in: ACCESS_MS / 1000, scope: scopes.join(' '), refresh_token_expires_in: REFRESH_MS / 1000,
  }];
});

try {
  serveFloor(
    (req, body, res) => {
      const [status, answer] = refresh.immediate(req.headers.authorization, body);
      send(res, status, answer, NO_STORE);
    },
    {
      method: 'POST',
      path: `/malls/${seed.mallId}/api/v2/oauth/token`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${seed.clientId}:${seed.clientSecret}`).toString('base64')}` },
      chain: refreshChain(seed.refreshPool),
    },
    'Cafe24 refresh: client lookup + HMAC, token lookup, conditional rotate, pair inserted, one transaction',
  );
} catch (error) {
  fail(error);
}
