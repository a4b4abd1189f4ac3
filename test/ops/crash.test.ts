import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, test } from 'vitest';
import type { TokenPair } from '../support/oauth.js';
import { apiStatus, obtainFrom, seedByCli, serve, tokenRequest, type Served } from './support.js';

/**
 * Crash safety (docs/operations.md): token requests against a served process on a SQLite file,
 * SIGKILL in the middle. A token is answered 200 only once it is committed, so after a restart
 * every access token answered 200 works on the API and every refresh token answered 200 can be
 * refreshed once; the file passes PRAGMA integrity_check and has no orphan or half-written rows.
 *
 * Refresh chains run from a queue of 12 families with 4 loops, so at the kill at most 4 families
 * have a refresh in flight. For those the outcome of the last request is unknown to the client
 * (it may have committed without an answer: refreshing the previous token is then reuse, RFC
 * 9700 §4.14.2), so only their access tokens are checked; the other families are checked fully.
 */
const SECRET = 'crash-test-server-key-0123456789ab';
const running: Served[] = [];
afterAll(async () => {
  for (const s of running) await s.stop('SIGKILL');
});

interface Family {
  latest: TokenPair;
  /** A refresh of `latest` was sent and not answered when the process died. */
  inFlight: boolean;
}

describe('SIGKILL during token requests (SQLite file)', () => {
  test('every token answered 200 survives; the file is intact, no orphan rows', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'shopauth-crash-')), 'shop.db');
    const env = { SHOPAUTH_SECRET: SECRET, SHOPAUTH_DB: db };
    const client = await seedByCli(db);
    const args = ['--rate-limit', 'off', '--token-rate-limit', 'off'];
    const s = await serve(args, env);
    running.push(s);

    const families: Family[] = [];
    for (let i = 0; i < 12; i++) families.push({ latest: await obtainFrom(s, client), inFlight: false });
    const accessTokens: string[] = families.map((f) => f.latest.access_token);
    const queue = [...families];
    let answered = 0;
    let dead = false;
    const killAfter = 60 + Math.floor(Math.random() * 40);
    let killed!: () => void;
    const killTime = new Promise<void>((resolve) => (killed = resolve));

    const loop = async () => {
      while (!dead) {
        const family = queue.shift();
        if (!family) throw new Error('the queue is never empty with 12 families and 4 loops');
        family.inFlight = true;
        let res: Response;
        try {
          res = await tokenRequest(s.url, client, { grant_type: 'refresh_token', refresh_token: family.latest.refresh_token });
        } catch {
          return; // the process died with this request in flight: family.inFlight stays true
        }
        let body: TokenPair;
        try {
          body = (await res.json()) as TokenPair;
        } catch {
          return; // died while the answer was being read: not a complete 200
        }
        expect(res.status).toBe(200);
        family.latest = body;
        family.inFlight = false;
        accessTokens.push(body.access_token);
        queue.push(family);
        if (++answered === killAfter) killed();
      }
    };
    const loops = Array.from({ length: 4 }, loop);
    await killTime;
    dead = true;
    s.child.kill('SIGKILL');
    expect(await s.exited).toEqual({ code: null, signal: 'SIGKILL' });
    await Promise.all(loops);
    expect(answered).toBeGreaterThanOrEqual(killAfter);

    // The file as the crash left it (opening it recovers the WAL, as any reader would).
    const file = new Database(db);
    expect(file.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    expect(file.pragma('foreign_key_check')).toEqual([]);
    const none = (sql: string) => expect(file.prepare(sql).all(), sql).toEqual([]);
    none('select token_hash from tokens where grant_id is not null and grant_id not in (select grant_id from grants)');
    none('select token_hash from tokens where client_id not in (select client_id from apps)');
    none('select code_hash from auth_codes where grant_id not in (select grant_id from grants)');
    // Every refresh token has its access token (a pair is written whole or not at all) ...
    none("select family_id from tokens group by family_id having sum(kind = 'refresh') <> sum(kind = 'access')");
    // ... and a family has at most one live refresh token.
    none("select family_id from tokens where kind = 'refresh' and rotated_at is null and revoked_at is null group by family_id having count(*) > 1");
    none('select family_id from tokens where revoked_at is not null');
    file.close();

    const again = await serve(args, env);
    running.push(again);
    const statuses = await Promise.all(accessTokens.map((t) => apiStatus(again.url, t)));
    expect(statuses).toEqual(accessTokens.map(() => 200));
    const settled = families.filter((f) => !f.inFlight);
    expect(settled.length).toBeGreaterThanOrEqual(8);
    expect(settled.length).toBeLessThan(12); // the kill did land in the middle of requests
    for (const f of settled) {
      const res = await tokenRequest(again.url, client, { grant_type: 'refresh_token', refresh_token: f.latest.refresh_token });
      expect(res.status).toBe(200);
      const next = (await res.json()) as TokenPair;
      expect(await apiStatus(again.url, next.access_token)).toBe(200);
    }
    expect(await again.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  }, 180_000);
});
