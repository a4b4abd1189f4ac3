import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { REDIRECT_URI } from '../support/fixtures.js';
import { expectTokenError, type TokenPair } from '../support/oauth.js';
import {
  across, apiStatus, codeFrom, introspect, redeem, refresh, removeAppInConsole, revoke, startCluster, tokensFrom, type Cluster, type ServeProcess,
} from './cluster.js';

/**
 * Issue 9 ("Done means") and issue 15, item 1: two real `shopauth serve` processes on one store
 * behave as one. Exactly one of N concurrent refreshes (or code redemptions) wins, every other one
 * gets invalid_grant, never a 5xx; the family ends revoked (RFC 9700 §4.14.2, RFC 6749 §4.1.2);
 * a refresh racing a revocation never leaves a live token; with Redis the Admin API bucket is
 * shared. Needs `npm run build` (the processes run dist/).
 */
const ROUNDS = 20;
const CONCURRENT = 40;

interface Answer {
  status: number;
  traceId: string | null;
  body: Record<string, unknown>;
}
const answer = async (res: Response): Promise<Answer> => ({ status: res.status, traceId: res.headers.get('x-trace-id'), body: (await res.json()) as Record<string, unknown> });

/** How many answers had each status, e.g. { 200: 1, 400: 39 }. */
const tally = (answers: Answer[]) => answers.reduce<Record<number, number>>((t, a) => ({ ...t, [a.status]: (t[a.status] ?? 0) + 1 }), {});

/** A 400 invalid_grant exactly as RFC 6749 §5.2 and wire.md write it. */
function expectInvalidGrant(a: Answer, descriptions: string[]): void {
  expect(a.status).toBe(400);
  expect(Object.keys(a.body).sort()).toEqual(['error', 'error_description', 'trace_id']);
  expect(a.body.error).toBe('invalid_grant');
  expect(descriptions).toContain(a.body.error_description);
  expect(a.body.trace_id).toBe(a.traceId);
}

/**
 * Every token is dead on every server: the API refuses the access token (401; 403 "app
 * uninstalled" once the grant is gone, wire.md), introspection says inactive, a refresh is invalid_grant.
 */
async function expectDead(c: Cluster, pairs: TokenPair[], api = 401): Promise<void> {
  for (const s of c.servers) {
    for (const p of pairs) {
      expect(await apiStatus(s, c, p.access_token)).toBe(api);
      expect(await introspect(s, c, p.access_token)).toBe(false);
      expect(await introspect(s, c, p.refresh_token)).toBe(false);
    }
  }
  for (const p of pairs) await expectTokenError(await refresh(c.servers[0]!, c, p.refresh_token), 400, 'invalid_grant', 'the refresh token has been revoked');
}

/**
 * One Admin API bucket for the whole cluster: 40 calls spread over every process (or worker)
 * fill it exactly once, and the 41st gets 429 with Retry-After. Resolves with the 41 answers'
 * trace ids. Its own app, so the other tests' calls do not count; 40 calls, then one drains every 1000 s.
 */
async function expectOneBucket(c: Cluster): Promise<string[]> {
  const made = await c.cli(['app', 'create', '--name', 'Limited', '--redirect-uri', REDIRECT_URI, '--app-url', 'https://app.example/', '--scopes', 'mall.read_store,mall.read_product', '--rate-limit', '40/0.001', '--json']);
  expect(made.code).toBe(0);
  const app = JSON.parse(made.stdout) as { client_id: string; client_secret: string };
  const limited = { mallId: c.mallId, servers: c.servers, app: { clientId: app.client_id, clientSecret: app.client_secret } };
  const t = await tokensFrom(c.servers[0]!, limited);
  const call = (s: ServeProcess) => fetch(`${s.mallUrl(c.mallId)}/api/v2/admin/store`, { headers: { authorization: `Bearer ${t.access_token}` } });
  const first = await across(c, 40, (s) => call(s));
  expect(first.map((r) => r.status)).toEqual(Array.from({ length: 40 }, () => 200));
  // Each process counted the other's calls: one bucket, filled to the top once.
  expect(first.map((r) => r.headers.get('x-api-call-limit')).filter((h) => h === '40/40')).toHaveLength(1);
  const last = await call(c.servers[c.servers.length - 1]!);
  expect(last.status).toBe(429);
  expect(last.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
  expect(last.headers.get('x-api-call-limit')).toBe('40/40');
  expect(((await last.json()) as { error: { code: number } }).error.code).toBe(429);
  return [...first, last].map((r) => r.headers.get('x-trace-id')!);
}

const REUSE = 'the refresh token has already been used; its token family is revoked';
const REVOKED = 'the refresh token has been revoked';

describe.each(['postgres', 'sqlite'] as const)('two shopauth serve processes on one %s store', (dialect) => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster({ dialect });
  }, 120_000);
  afterAll(() => c?.close(), 60_000);
  const serverOf = (i: number): ServeProcess => c.servers[i % c.servers.length]!;

  test(`${CONCURRENT} concurrent refreshes of one token across both, ${ROUNDS} times: one 200, the rest invalid_grant, the winner's pair dead`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const t = await tokensFrom(serverOf(round), c);
      const answers = await Promise.all(await across(c, CONCURRENT, (s) => refresh(s, c, t.refresh_token).then(answer)));
      expect(tally(answers)).toEqual({ 200: 1, 400: CONCURRENT - 1 });
      for (const a of answers) if (a.status !== 200) expectInvalidGrant(a, [REUSE, REVOKED]);
      const winner = answers.find((a) => a.status === 200)!.body as unknown as TokenPair;
      expect(Object.keys(winner)).toContain('access_token');
      // Reuse was detected: the whole family is revoked, the winner's new pair included.
      await expectDead(c, [t, winner]);
    }
  }, 180_000);

  test(`${CONCURRENT} concurrent redemptions of one code across both, ${ROUNDS} times: exactly one 200`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const code = await codeFrom(serverOf(round), c);
      const answers = await Promise.all(await across(c, CONCURRENT, (s) => redeem(s, c, code).then(answer)));
      expect(tally(answers)).toEqual({ 200: 1, 400: CONCURRENT - 1 });
      for (const a of answers) if (a.status !== 200) expectInvalidGrant(a, ['the authorization code has already been used']);
      // RFC 6749 §4.1.2: the replays revoked what the code produced.
      await expectDead(c, [answers.find((a) => a.status === 200)!.body as unknown as TokenPair]);
    }
  }, 180_000);

  test(`a refresh racing an RFC 7009 revocation on the other process, ${ROUNDS} times: no token of the family works afterwards`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const t = await tokensFrom(serverOf(round), c);
      // Even rounds revoke the refresh token, odd ones the access token (§2.1: both revoke the family).
      const [refreshed, revoked] = await Promise.all([
        refresh(serverOf(round), c, t.refresh_token).then(answer),
        revoke(serverOf(round + 1), c, round % 2 === 0 ? t.refresh_token : t.access_token),
      ]);
      expect(revoked.status).toBe(200);
      if (refreshed.status !== 200) expectInvalidGrant(refreshed, [REVOKED]);
      await expectDead(c, refreshed.status === 200 ? [t, refreshed.body as unknown as TokenPair] : [t]);
    }
  }, 180_000);

  test('refreshes racing the app\'s removal in the console of the other process: no token of the app works afterwards', async () => {
    const console = await removeAppInConsole(c.servers[1]!, c);
    for (let round = 0; round < 10; round++) {
      // A consent (re)installs the app: a live grant with two families.
      const [a, b] = [await tokensFrom(c.servers[0]!, c), await tokensFrom(c.servers[1]!, c)];
      const [ra, rb, removed] = await Promise.all([
        refresh(c.servers[0]!, c, a!.refresh_token).then(answer),
        refresh(c.servers[1]!, c, b!.refresh_token).then(answer),
        console.remove(),
      ]);
      expect(removed).toBe(303);
      const pairs = [a!, b!];
      for (const r of [ra, rb]) {
        if (r.status === 200) pairs.push(r.body as unknown as TokenPair);
        else expectInvalidGrant(r, [REVOKED, 'the grant has been revoked']);
      }
      await expectDead(c, pairs, 403);
    }
  }, 180_000);

  test.runIf(dialect === 'postgres')('the Admin API bucket is shared through Redis: the 41st call across both gets 429 with Retry-After', () => expectOneBucket(c), 120_000);
});

/**
 * Issue 9 ("Done means"): the same races with `serve --workers 2` (node:cluster: one port, two
 * worker processes) on one SQLite file, and no Redis: the buckets are the primary's
 * (ops/cluster-buckets.ts). Each test also shows that its requests landed on both workers (the
 * pid in the workers' request log, matched by trace id), so it races two processes, not one.
 */
describe('serve --workers 2 on one sqlite file', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster({ dialect: 'sqlite', workers: 2 });
  }, 120_000);
  afterAll(() => c?.close(), 60_000);
  /** Every answer was logged by a worker, and both workers answered some. */
  const expectBothWorkers = (traceIds: (string | null)[]) => {
    const pids = c.pidsOf(traceIds.map((t) => t ?? ''));
    expect(pids.filter((p) => p === undefined)).toHaveLength(0);
    expect(new Set(pids)).toEqual(new Set(c.servers[0]!.pids));
  };

  test('the workers are two processes', () => {
    expect(c.servers[0]!.pids).toHaveLength(2);
    expect(new Set(c.servers[0]!.pids).size).toBe(2);
    expect(c.servers[0]!.pids).not.toContain(c.servers[0]!.child.pid);
  });

  test(`${CONCURRENT} concurrent refreshes of one token, ${ROUNDS} times: one 200, the rest invalid_grant, the winner's pair dead`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const t = await tokensFrom(c.servers[0]!, c);
      const answers = await Promise.all(await across(c, CONCURRENT, (s) => refresh(s, c, t.refresh_token).then(answer)));
      expect(tally(answers)).toEqual({ 200: 1, 400: CONCURRENT - 1 });
      for (const a of answers) if (a.status !== 200) expectInvalidGrant(a, [REUSE, REVOKED]);
      expectBothWorkers(answers.map((a) => a.traceId));
      const winner = answers.find((a) => a.status === 200)!.body as unknown as TokenPair;
      expect(Object.keys(winner)).toContain('access_token');
      await expectDead(c, [t, winner]);
    }
  }, 180_000);

  test(`${CONCURRENT} concurrent redemptions of one code, ${ROUNDS} times: exactly one 200`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const code = await codeFrom(c.servers[0]!, c);
      const answers = await Promise.all(await across(c, CONCURRENT, (s) => redeem(s, c, code).then(answer)));
      expect(tally(answers)).toEqual({ 200: 1, 400: CONCURRENT - 1 });
      for (const a of answers) if (a.status !== 200) expectInvalidGrant(a, ['the authorization code has already been used']);
      expectBothWorkers(answers.map((a) => a.traceId));
      await expectDead(c, [answers.find((a) => a.status === 200)!.body as unknown as TokenPair]);
    }
  }, 180_000);

  test('the Admin API bucket is the primary\'s: the 41st call across both workers gets 429 with Retry-After', async () => {
    expectBothWorkers(await expectOneBucket(c));
  }, 120_000);
});
