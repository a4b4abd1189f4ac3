/**
 * Floor of the POD Shop token (`POST /ac/oauth/ext/token`, Basic, no body): parse Basic, one
 * indexed credential lookup and the HMAC of the key, an ES256 JWT signed with node:crypto (the
 * same header and claims as shopauth's, so the same length), then one write transaction storing
 * the access and refresh rows, and POD Shop's five-field JSON. One transaction per request.
 */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { fail } from '../child.js';
import { PUBLIC_URL } from '../seed.js';
import { authenticate, db, hash, NO_STORE, seed, send, serveFloor } from './floor.js';

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const kid = randomBytes(12).toString('base64url');
const header = Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'at+jwt', kid })).toString('base64url');
const issuer = `${PUBLIC_URL}/malls/${seed.mallId}`;
const ACCESS_S = 3600;
const REFRESH_S = 14 * 86400;

const insert = db.prepare(
  `insert into tokens (token_hash, kind, mall_id, client_id, user_id, grant_id, family_id, scopes, jti, issued_at, expires_at, rotated_at, revoked_at)
   values (?, ?, ?, ?, ?, null, ?, ?, ?, ?, ?, null, null)`,
);

const issue = db.transaction((authorization: string | undefined) => {
  const client = authenticate(authorization, 'credentials');
  if (!client?.mallId) return undefined;
  const now = Date.now();
  const iat = Math.floor(now / 1000);
  const jti = randomBytes(16).toString('base64url');
  const claims = { client_id: client.clientId, scope: client.scopes.join(' '), iss: issuer, sub: client.clientId, aud: issuer, iat, exp: iat + ACCESS_S, jti };
  const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  const accessToken = `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
  const refreshToken = randomBytes(32).toString('base64url');
  const family = randomBytes(16).toString('base64url');
  const scopes = JSON.stringify(client.scopes);
  insert.run(hash(accessToken), 'access', client.mallId, client.clientId, client.clientId, family, scopes, jti, now, now + ACCESS_S * 1000);
  insert.run(hash(refreshToken), 'refresh', client.mallId, client.clientId, client.clientId, family, scopes, null, now, now + REFRESH_S * 1000);
  return { access_token: accessToken, token_type: 'bearer', expires_in: ACCESS_S - 1, refresh_token: refreshToken, refresh_expires_in: REFRESH_S - 1 };
});

try {
  serveFloor(
    (req, _body, res) => {
      const answer = issue.immediate(req.headers.authorization);
      if (answer) send(res, 200, answer, NO_STORE);
      else send(res, 401, { error: 'invalid_client' }, { ...NO_STORE, 'www-authenticate': 'Basic realm="shopauth"' });
    },
    { method: 'POST', path: '/ac/oauth/ext/token', headers: { authorization: `Basic ${Buffer.from(`${seed.podId}:${seed.podSecret}`).toString('base64')}` } },
    'POD token: Basic, HMAC, credential lookup, ES256 JWT (node:crypto), one transaction storing the pair',
  );
} catch (error) {
  fail(error);
}
