import { singleKey } from '../../src/keys/server-keys.js';
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { safeEqual, SecretHasher } from '../../src/oauth/secrets.js';
import { authorizeCode, Browser } from '../support/browser.js';
import { REDIRECT_URI, seedApp, seedMall } from '../support/fixtures.js';
import { pkce, postForm, type TestClient, type TokenPair } from '../support/oauth.js';
import { startServer, type TestServer } from '../support/server.js';

/**
 * RFC 9700 §4.14 / DEVELOPERS.md: client secrets, codes, tokens and session ids are stored only
 * as keyed hashes (HMAC-SHA256 under the server key); passwords by scrypt; nothing secret in the
 * audit log. Proven by reading every row of every table after a full flow.
 */
let s: TestServer;
let app: TestClient;
const secrets: string[] = [];

beforeAll(async () => {
  s = await startServer();
  await seedMall(s, 'mall1');
  app = await seedApp(s);
  secrets.push(app.clientSecret);
  const browser = new Browser();
  const { verifier, challenge } = pkce();
  const code = await authorizeCode(s, { mallId: 'mall1', clientId: app.clientId, browser, extra: { code_challenge: challenge, code_challenge_method: 'S256' } });
  secrets.push(code, verifier, browser.cookies.get('shopauth_sid')!);
  const t = (await (await postForm(s, 'mall1', 'token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }, app)).json()) as TokenPair;
  const r = (await (await postForm(s, 'mall1', 'token', { grant_type: 'refresh_token', refresh_token: t.refresh_token }, app)).json()) as TokenPair;
  await postForm(s, 'mall1', 'token', { grant_type: 'refresh_token', refresh_token: t.refresh_token }, app); // reuse: audited
  await postForm(s, 'mall1', 'revoke', { token: r.access_token }, app);
  secrets.push(t.access_token, t.refresh_token, r.access_token, r.refresh_token);
  await s.ctx.audit.flush();
});
afterAll(() => s?.close());

async function allRows(): Promise<Record<string, unknown[]>> {
  const tables = await s.store.db.introspection.getTables();
  const out: Record<string, unknown[]> = {};
  for (const t of tables) out[t.name] = (await sql`select * from ${sql.table(t.name)}`.execute(s.store.db)).rows;
  return out;
}

describe('secrets at rest', () => {
  test('no client secret, code, verifier, token or session id appears in any row of any table (audit log included)', async () => {
    const rows = await allRows();
    expect(Object.keys(rows)).toEqual(expect.arrayContaining(['apps', 'auth_codes', 'tokens', 'sessions', 'audit_events']));
    expect(rows.audit_events!.length).toBeGreaterThan(4);
    const dump = JSON.stringify(rows);
    for (const secret of secrets) expect(dump).not.toContain(secret);
    // Nor the plain SHA-256 of any of them (the hash is keyed: a leaked table is not a lookup table).
    // (The PKCE verifier is left out: its SHA-256 is the code_challenge, public by design.)
    for (const secret of secrets.filter((_, i) => i !== 2)) expect(dump).not.toContain(createHash('sha256').update(secret).digest('base64url'));
  });

  test('each secret is stored as HMAC-SHA256 under the server key, with a purpose', async () => {
    const h = s.ctx.hasher;
    const app1 = await s.store.db.selectFrom('apps').select('secret_hash').where('client_id', '=', app.clientId).executeTakeFirstOrThrow();
    expect(app1.secret_hash).toBe(h.hash(app.clientSecret, 'client'));
    const code = await s.store.db.selectFrom('auth_codes').select('code_hash').executeTakeFirstOrThrow();
    expect(code.code_hash).toBe(h.hash(secrets[1]!));
    const tokens = (await s.store.db.selectFrom('tokens').select('token_hash').execute()).map((r) => r.token_hash);
    for (const t of secrets.slice(4)) expect(tokens).toContain(h.hash(t));
    // Another server key gives other hashes.
    expect(new SecretHasher(singleKey(Buffer.alloc(32, 7))).hash(app.clientSecret, 'client')).not.toBe(app1.secret_hash);
  });

  test('operator passwords: scrypt with a per-password salt', async () => {
    const ops = await s.store.db.selectFrom('operators').select('password_hash').execute();
    for (const o of ops) expect(o.password_hash).toMatch(/^scrypt\$131072\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(new Set(ops.map((o) => o.password_hash)).size).toBe(ops.length); // same password, different salts
  });

  test('secrets are checked as keyed digests of one length (timingSafeEqual needs equal lengths): a wrong secret of the same or another length is unequal', () => {
    const stored = s.ctx.hasher.hash(app.clientSecret, 'client');
    // Every secret, whatever its length, has a digest of the stored one's length: the compare never sees a length.
    for (const secret of ['', 'x', app.clientSecret, 'y'.repeat(10_000)]) expect(s.ctx.hasher.hash(secret, 'client')).toHaveLength(stored.length);
    const sameLength = [...app.clientSecret].map((c) => (c === 'A' ? 'B' : 'A')).join('');
    expect(sameLength).toHaveLength(app.clientSecret.length);
    for (const wrong of [sameLength, app.clientSecret.slice(0, -1), `${app.clientSecret}x`, '', 'y'.repeat(10_000)]) {
      expect(s.ctx.hasher.verify(wrong, stored, 'client')).toBe(false);
    }
    expect(s.ctx.hasher.verify(app.clientSecret, stored, 'client')).toBe(true);
    // safeEqual itself: equal, unequal of one length, and of two lengths (timingSafeEqual would throw on those).
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual('', '')).toBe(true);
    expect(s.ctx.hasher.verify(app.clientSecret, s.ctx.hasher.hash(app.clientSecret, 'client'), 'client')).toBe(true);
    expect(s.ctx.hasher.verify(app.clientSecret, s.ctx.hasher.hash(app.clientSecret, 'client'), 'session')).toBe(false);
  });
});
