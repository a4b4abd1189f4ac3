import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { authorizeUrl, Browser, readForm, type Endpoint } from '../support/browser.js';
import { freePort } from '../ops/support.js';
import { BIN, runCli } from '../support/cli.js';
import { pgSchemaUrl } from '../support/dialects.js';
import { PASSWORD, REDIRECT_URI } from '../support/fixtures.js';
import { pkce, postForm, type TestClient, type TokenPair } from '../support/oauth.js';

/** Redis of the test machine (DEVELOPERS.md). */
export const REDIS_URL = process.env.SHOPAUTH_TEST_REDIS ?? 'redis://127.0.0.1:6379';

/** One real `shopauth serve` process (dist/, built by `npm run build`) on its own loopback port. */
export interface ServeProcess extends Endpoint {
  child: ChildProcess;
  /** What it wrote to stdout and stderr so far (the log, for a failing test's message). */
  output(): string;
  /** The pids that answer requests: the process itself, or the workers of `--workers N` (as they started). */
  pids: number[];
}

export interface Cluster {
  /** The servers, all on one store (and one Redis with PostgreSQL); with `workers`, the one primary. */
  servers: ServeProcess[];
  /**
   * With `workers`: the pid of the worker that answered each trace id (from the workers' request
   * log, pino's `pid` and `trace_id`; the X-Trace-Id header is the only thing the response adds).
   */
  pidsOf(traceIds: string[]): (number | undefined)[];
  mallId: string;
  app: TestClient;
  /** Runs the shopauth CLI on the cluster's store. */
  cli(args: string[]): ReturnType<typeof runCli>;
  close(): Promise<void>;
}

/**
 * Two (or `count`) `shopauth serve` processes on one fresh store: a private PostgreSQL schema and
 * one Redis, or one SQLite file (WAL); with `workers`, one `serve --workers N` (node:cluster, N
 * worker processes on one port, logging each request at info so the tests can tell them apart). Seeded through the CLI first (which also migrates): a mall
 * with the representative operator `boss` and one confidential app. The Admin API limit of the
 * app is `appRateLimit` (default: the server's); the per-address token limit is off (every test
 * of the machine calls from 127.0.0.1, and Redis keys of the address bucket would be shared).
 */
export async function startCluster(options: { dialect: 'postgres' | 'sqlite'; count?: number; workers?: number; appRateLimit?: string }): Promise<Cluster> {
  const pg = options.dialect === 'postgres' ? pgSchemaUrl() : undefined;
  const dir = pg ? undefined : mkdtempSync(join(tmpdir(), 'shopauth-scale-'));
  const db = pg ? pg.url : join(dir!, 'shopauth.db');
  const env: NodeJS.ProcessEnv = {
    SHOPAUTH_DB: db,
    SHOPAUTH_SECRET: randomBytes(32).toString('base64'),
    SHOPAUTH_TOKEN_RATE_LIMIT: 'off',
    SHOPAUTH_LOG_LEVEL: options.workers ? 'info' : 'warn',
    SHOPAUTH_REDIS_URL: pg ? REDIS_URL : '',
  };
  const mallId = `scale${randomBytes(4).toString('hex')}`;
  const cli = (args: string[]) => runCli(args, env);
  const servers: ServeProcess[] = [];
  const close = async () => {
    await Promise.all(servers.map(stop));
    if (pg) {
      const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await redis.connect();
        const keys = await redis.keys(`shopauth:*${mallId}*`);
        if (keys.length > 0) await redis.del(...keys);
      } finally {
        redis.disconnect();
      }
      await pg.drop();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const mall = await cli(['mall', 'create', mallId, '--operator', 'boss', '--password', PASSWORD, '--json']);
    if (mall.code !== 0) throw new Error(`mall create: ${mall.stderr}`);
    const made = await cli([
      'app', 'create', '--name', 'Scale App', '--redirect-uri', REDIRECT_URI, '--app-url', 'https://app.example/',
      '--scopes', 'mall.read_store,mall.read_product', ...(options.appRateLimit ? ['--rate-limit', options.appRateLimit] : []), '--json',
    ]);
    if (made.code !== 0) throw new Error(`app create: ${made.stderr}`);
    const app = JSON.parse(made.stdout) as { client_id: string; client_secret: string };
    // One after the other: the first opens the store; both have migrated nothing left to do.
    if (options.workers) servers.push(await serve(env, options.workers));
    else for (let i = 0; i < (options.count ?? 2); i++) servers.push(await serve(env));
    const pidsOf = (traceIds: string[]) => {
      const byTrace = new Map<string, number>();
      for (const line of servers[0]!.output().split('\n')) {
        const m = /^\{"level":\d+,"time":\d+,"pid":(\d+),.*"trace_id":"([0-9a-f]+)"/.exec(line);
        if (m) byTrace.set(m[2]!, Number(m[1]));
      }
      return traceIds.map((t) => byTrace.get(t));
    };
    return { servers, pidsOf, mallId, app: { clientId: app.client_id, clientSecret: app.client_secret }, cli, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Spawns `shopauth serve --port 0` and resolves once it says where it listens; with `workers`,
 * `serve --workers N` on a free port, once every worker says it listens.
 */
async function serve(env: NodeJS.ProcessEnv, workers?: number): Promise<ServeProcess> {
  const port = workers ? await freePort() : 0;
  const args = ['serve', '--port', String(port), '--host', '127.0.0.1', ...(workers ? ['--workers', String(workers)] : [])];
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      log += d.toString();
      const workerPids = [...log.matchAll(/worker \d+ \(pid (\d+)\) listening/g)].map((m) => Number(m[1]));
      const url = workers ? (workerPids.length === workers ? `http://127.0.0.1:${port}` : undefined) : /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(log)?.[1];
      if (url) {
        child.stderr!.off('data', onData);
        child.stderr!.on('data', (more: Buffer) => (log += more.toString()));
        resolve({ child, url, mallUrl: (mallId) => `${url}/malls/${mallId}`, output: () => log, pids: workers ? workerPids : [child.pid!] });
      }
    };
    child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`shopauth serve exited ${code} before listening:\n${log}`)));
  });
}

/** SIGTERM, and wait for the exit (SIGKILL if it does not come). */
async function stop(p: ServeProcess): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise((resolve) => p.child.once('exit', resolve));
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Signs the representative operator in with the login form at `url` (an authorization URL or the
 * console), once per browser: the session (in the shared store) then serves every process. The
 * per-address login bucket is shared through Redis with every other test of the machine, so a
 * throttled attempt waits the Retry-After the server names, and tries again (a few times).
 */
async function signIn(browser: Browser, url: string): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const form = readForm(await (await browser.get(url)).text(), url);
    const res = await browser.post(form.action, { csrf_token: form.csrf, user_id: 'boss', password: PASSWORD });
    const wait = Number(res.headers.get('retry-after'));
    if (res.status !== 429 || attempt === 5 || !(wait > 0)) return res;
    await res.arrayBuffer();
    await new Promise((resolve) => setTimeout(resolve, wait * 1000));
  }
}

const browsers = new WeakMap<object, Browser>();

/** A code by the real browser flow over HTTP on `s`: authorization request, sign-in (once), consent. */
export async function codeFrom(s: Endpoint, c: Pick<Cluster, 'mallId' | 'app' | 'servers'>): Promise<{ code: string; verifier: string }> {
  const { verifier, challenge } = pkce();
  let browser = browsers.get(c.servers);
  if (!browser) browsers.set(c.servers, (browser = new Browser()));
  const url = authorizeUrl(s, { mallId: c.mallId, clientId: c.app.clientId, extra: { code_challenge: challenge, code_challenge_method: 'S256' } });
  let page = await browser.get(url);
  let html = await page.text();
  if (html.includes('name="user_id"')) {
    const signedIn = await signIn(browser, url);
    if (signedIn.status !== 303) throw new Error(`login: ${signedIn.status} ${await signedIn.text()}`);
    page = await browser.get(url);
    html = await page.text();
  }
  if (page.status !== 200) throw new Error(`consent page: ${page.status} ${html.slice(0, 300)}`);
  const form = readForm(html, url);
  const done = await browser.post(form.action, { csrf_token: form.csrf, decision: 'allow' });
  const code = new URL(done.headers.get('location') ?? 'error:').searchParams.get('code');
  if (done.status !== 303 || !code) throw new Error(`consent: ${done.status} ${done.headers.get('location')}`);
  return { code, verifier };
}

/** The code exchange (RFC 6749 §4.1.3) on `s`. */
export const redeem = (s: Endpoint, c: Pick<Cluster, 'mallId' | 'app'>, code: { code: string; verifier: string }): Promise<Response> =>
  postForm(s, c.mallId, 'token', { grant_type: 'authorization_code', code: code.code, redirect_uri: REDIRECT_URI, code_verifier: code.verifier }, c.app);

/** A fresh token pair: browser flow and exchange on `s`. */
export async function tokensFrom(s: Endpoint, c: Pick<Cluster, 'mallId' | 'app' | 'servers'>): Promise<TokenPair> {
  const res = await redeem(s, c, await codeFrom(s, c));
  if (res.status !== 200) throw new Error(`code exchange: ${res.status} ${await res.text()}`);
  return (await res.json()) as TokenPair;
}

export const refresh = (s: Endpoint, c: Cluster, refreshToken: string): Promise<Response> =>
  postForm(s, c.mallId, 'token', { grant_type: 'refresh_token', refresh_token: refreshToken }, c.app);

export const revoke = (s: Endpoint, c: Cluster, token: string): Promise<Response> => postForm(s, c.mallId, 'revoke', { token }, c.app);

/** An Admin API call with the access token: its status. */
export const apiStatus = async (s: Endpoint, c: Cluster, accessToken: string): Promise<number> => {
  const res = await fetch(`${s.mallUrl(c.mallId)}/api/v2/admin/store`, { headers: { authorization: `Bearer ${accessToken}` } });
  await res.arrayBuffer();
  return res.status;
};

/** RFC 7662 introspection's `active`. */
export const introspect = async (s: Endpoint, c: Cluster, token: string): Promise<boolean> =>
  ((await (await postForm(s, c.mallId, 'introspect', { token }, c.app)).json()) as { active: boolean }).active;

/**
 * The representative operator removes the app in the console (wire.md): sign in, then the
 * confirmed remove form. Resolves with the remove POST's status.
 */
export async function removeAppInConsole(s: Endpoint, c: Cluster): Promise<{ browser: Browser; remove: () => Promise<number> }> {
  const home = `${s.mallUrl(c.mallId)}/console`;
  const browser = new Browser();
  const signedIn = await signIn(browser, home);
  if (signedIn.status !== 303) throw new Error(`console login: ${signedIn.status}`);
  const page = await (await browser.get(home)).text();
  const csrf = /name="csrf_token" value="([^"]*)"/.exec(page)?.[1];
  if (!csrf) throw new Error('no csrf token on the console page');
  return {
    browser,
    remove: async () => {
      const res = await browser.post(`${home}/apps/${c.app.clientId}/remove`, { csrf_token: csrf, confirm: 'yes' });
      await res.arrayBuffer();
      return res.status;
    },
  };
}

/** Alternates the servers: request i goes to servers[i % n]. */
export const across = <T>(c: Cluster, n: number, fn: (s: ServeProcess, i: number) => Promise<T>): Promise<T[]> =>
  Promise.all(Array.from({ length: n }, (_, i) => fn(c.servers[i % c.servers.length]!, i)));
