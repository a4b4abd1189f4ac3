import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sql } from 'kysely';
import { openStore } from '../../src/store/kysely/store.js';
import { authorizeCode, Browser } from '../support/browser.js';
import { BIN, runCli, runCliJson } from '../support/cli.js';

let dir: string;
let db: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'shopauth-cli-'));
  db = join(dir, 'cli.db');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('shopauth CLI', () => {
  test('migrate applies the migrations once, then says the database is up to date', async () => {
    const fresh = join(dir, 'migrate.db');
    const first = await runCliJson<{ applied: string[] }>(['migrate', '--db', fresh]);
    expect(first.applied[0]).toBe('001-initial');
    expect(await runCliJson(['migrate', '--db', fresh])).toEqual({ applied: [] });
    const human = await runCli(['migrate', '--db', fresh]);
    expect(human).toMatchObject({ code: 0, stdout: 'the database is up to date\n' });
  });

  test('mall create, operator add, app create print one JSON object each with --json', async () => {
    expect(await runCliJson(['mall', 'create', 'cli-mall', '--operator', 'owner', '--password', 'long-enough-pw', '--db', db])).toEqual({
      mall_id: 'cli-mall', name: 'cli-mall', timezone: 'Asia/Seoul', shop_no: 1, operator: 'owner',
    });
    expect(await runCliJson(['operator', 'add', 'cli-mall', 'staff', '--password', 'long-enough-pw', '--sub', '--db', db])).toEqual({
      mall_id: 'cli-mall', user_id: 'staff', user_type: 'A', name: 'staff',
    });
    const app = await runCliJson(['app', 'create', '--name', 'My App', '--redirect-uri', 'https://a.example/cb', '--redirect-uri', 'https://a.example/cb2',
      '--app-url', 'https://a.example', '--scopes', 'mall.read_store,mall.read_order', '--db', db]);
    expect(app).toEqual({
      client_id: expect.stringMatching(/^[A-Za-z0-9]{22}$/),
      client_secret: expect.stringMatching(/^[A-Za-z0-9]{32}$/),
      name: 'My App',
      app_url: 'https://a.example',
      redirect_uris: ['https://a.example/cb', 'https://a.example/cb2'],
      scopes: ['mall.read_store', 'mall.read_order'],
      client_type: 'confidential',
    });
    const pub = await runCliJson(['app', 'create', '--name', 'SPA', '--redirect-uri', 'http://localhost:5173/cb', '--app-url', 'http://localhost:5173', '--scopes', 'mall.read_store', '--public', '--db', db]);
    expect(pub).toMatchObject({ client_secret: null, client_type: 'public' });
  });

  test('the human output of app create shows the secret once and says so', async () => {
    const r = await runCli(['app', 'create', '--name', 'H', '--redirect-uri', 'https://h.example/cb', '--app-url', 'https://h.example', '--scopes', 'mall.read_store', '--db', db]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^created app H\nclient_id: {5}[A-Za-z0-9]{22}\nclient_secret: [A-Za-z0-9]{32} {3}\(shown once; kept as a keyed hash, and sealed under the server key to sign App URL launches\)\n$/);
  });

  test.each([
    ['a duplicate mall', ['mall', 'create', 'cli-mall', '--db'], 1, 'shopauth: mall cli-mall already exists\n'],
    ['a malformed mall id', ['mall', 'create', 'Bad_Id', '--db'], 1, 'shopauth: mall id must be 2-63 lower-case letters, digits or dashes\n'],
    ['an operator of an unknown mall', ['operator', 'add', 'no-mall', 'x', '--password', 'long-enough-pw', '--db'], 1, 'shopauth: no mall no-mall\n'],
    ['a redirect URI with a fragment (RFC 6749 §3.1.2)', ['app', 'create', '--name', 'X', '--redirect-uri', 'https://x.example/cb#frag', '--app-url', 'https://x.example', '--scopes', 'mall.read_store', '--db'], 1, 'shopauth: redirect URI must not have a fragment: https://x.example/cb#frag\n'],
    ['an unknown scope', ['app', 'create', '--name', 'X', '--redirect-uri', 'https://x.example/cb', '--app-url', 'https://x.example', '--scopes', 'mall.read_everything', '--db'], 1, 'shopauth: unknown scope(s): mall.read_everything (known: mall.read_X, mall.write_X)\n'],
  ])('%s: exit 1 with a clear message', async (_, args, code, stderr) => {
    const r = await runCli([...args, db]);
    expect(r).toEqual({ code, stdout: '', stderr });
  });

  test('unknown options and commands are usage errors (exit 2)', async () => {
    const r = await runCli(['mall', 'create', 'x', '--bogus', '--db', db]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^shopauth: Unknown option '--bogus'/);
    expect((await runCli(['frobnicate'])).code).toBe(2);
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: shopauth <command> [options]');
  });
});

/** Starts `shopauth serve` and resolves with the first stdout line once it is printed. */
interface Served {
  child: ChildProcessWithoutNullStreams;
  /** The first line of stdout. */
  line: string;
  stderr: () => string;
  /** The first complete stderr line that `matches`, once it has been written. */
  stderrLine: (matches: (line: string) => boolean) => Promise<string>;
}

function startServe(args: string[]): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  const waiting: Array<() => void> = [];
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
    for (const check of waiting.splice(0)) check();
  });
  const stderrLine = (matches: (line: string) => boolean) =>
    new Promise<string>((resolve) => {
      const check = () => {
        const line = err.split('\n').slice(0, -1).find(matches);
        if (line === undefined) waiting.push(check);
        else resolve(line);
      };
      check();
    });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve({ child, line: out.slice(0, nl), stderr: () => err, stderrLine });
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

/** A TCP port free on loopback a moment ago (for a child that must be reached at a known port). */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });

/** SIGTERM, then 'close': the process has exited and all its output has been read. */
const stop = (child: ChildProcessWithoutNullStreams) =>
  new Promise<void>((resolve) => {
    child.removeAllListeners('exit');
    child.once('close', () => resolve());
    child.kill('SIGTERM');
  });

describe('shopauth serve --demo', () => {
  test('seeds a demo mall, operator and app idempotently, prints credentials and an authorize URL that works; logs carry trace_id but no secret', async () => {
    const demoDb = join(dir, 'demo.db');
    const first = await startServe(['--demo', '--json', '--db', demoDb]);
    const demo = JSON.parse(first.line) as {
      mall_id: string; authorize_url: string; operator: { user_id: string; password: string };
      app: { client_id: string; client_secret: string; redirect_uri: string; scopes: string[] };
    };
    try {
      expect(demo.mall_id).toBe('demo');
      expect(demo.operator.user_id).toBe('admin');
      const base = new URL(demo.authorize_url).origin;
      expect(demo.app.redirect_uri).toBe(`${base}/demo/callback`);
      const page = await fetch(demo.authorize_url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('Sign in to Demo Shop');

      // The full flow on the demo: the code lands on the built-in callback page.
      const authUrl = new URL(demo.authorize_url);
      const fakeServer = { url: base, mallUrl: (m: string) => `${base}/malls/${m}` } as Parameters<typeof authorizeCode>[0];
      const code = await authorizeCode(fakeServer, {
        mallId: 'demo', clientId: demo.app.client_id, redirectUri: demo.app.redirect_uri, scope: authUrl.searchParams.get('scope')!,
        userId: demo.operator.user_id, password: demo.operator.password,
      });
      const callback = await fetch(`${demo.app.redirect_uri}?code=${code}&state=demo-state`);
      expect(callback.status).toBe(200);
      expect(await callback.text()).toContain(`code=${code}`);
      const token = await fetch(`${base}/malls/demo/api/v2/oauth/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${demo.app.client_id}:${demo.app.client_secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: demo.app.redirect_uri }),
      });
      expect(token.status).toBe(200);
      const tokens = (await token.json()) as { access_token: string; refresh_token: string };
      // The token request's log line, once written: JSON with its trace_id.
      const traceId = token.headers.get('x-trace-id')!;
      const logged = JSON.parse(await first.stderrLine((l) => l.startsWith('{') && l.includes(traceId))) as Record<string, unknown>;
      expect(logged.trace_id).toBe(traceId);
      const logs = first.stderr();
      for (const secret of [demo.app.client_secret, demo.operator.password, code, tokens.access_token, tokens.refresh_token]) {
        expect(logs).not.toContain(secret);
      }
    } finally {
      await stop(first.child);
    }
    // Restart on the same database with the same port-independent credentials.
    const second = await startServe(['--demo', '--json', '--db', demoDb, '--public-url', new URL(demo.authorize_url).origin]);
    try {
      const again = JSON.parse(second.line) as typeof demo;
      expect(again.operator).toEqual(demo.operator);
      expect(again.app).toEqual(demo.app);
    } finally {
      await stop(second.child);
    }
  });
});

describe('shopauth serve --demo: the operator console', () => {
  test('the demo app opens from the console (App URL launch) and its App URL page verifies the hmac; an older demo database is backfilled', async () => {
    const demoDb = join(dir, 'demo-console.db');
    const first = await startServe(['--demo', '--json', '--db', demoDb]);
    const demo = JSON.parse(first.line) as { console_url: string; authorize_url: string; operator: { user_id: string; password: string }; app: { client_id: string; client_secret: string; redirect_uri: string } };
    await stop(first.child);
    const base = new URL(demo.authorize_url).origin;
    expect(demo.console_url).toBe(`${base}/malls/demo/console`);
    // A demo database from before sealed secrets were kept.
    const store = await openStore(demoDb);
    await sql`delete from app_secrets`.execute(store.db);
    await store.close();

    // The same address (the demo app's redirect URI names it): the later --port wins over startServe's --port 0.
    const again = await startServe(['--demo', '--json', '--db', demoDb, '--port', new URL(base).port]);
    try {
      const fakeServer = { url: base, mallUrl: (m: string) => `${base}/malls/${m}` } as Parameters<typeof authorizeCode>[0];
      const browser = new Browser();
      await authorizeCode(fakeServer, {
        mallId: 'demo', clientId: demo.app.client_id, redirectUri: demo.app.redirect_uri, scope: 'mall.read_store',
        userId: demo.operator.user_id, password: demo.operator.password, browser,
      });
      // The same session (the authorization pages' login) is signed in to the console.
      const page = await browser.get(demo.console_url);
      const html = await page.text();
      expect(html).toContain('">Demo App</h2>');
      const open = /<a class="button primary" href="([^"]+)">Open<\/a>/.exec(html)![1]!;
      const launch = await browser.get(new URL(open, base).toString());
      expect(launch.status).toBe(302);
      const location = launch.headers.get('location')!;
      expect(location.startsWith(`${base}/demo?is_multi_shop=F&lang=ko_KR&mall_id=demo&nation=KR&shop_no=1&timestamp=`)).toBe(true);
      const appPage = await fetch(location);
      expect(appPage.status).toBe(200);
      expect(await appPage.text()).toContain('The hmac verifies');
      const forged = await fetch(location.replace('user_type=P', 'user_type=A'));
      expect(await forged.text()).toContain('The hmac does not verify');
      expect(again.stderr()).not.toContain(demo.app.client_secret);
    } finally {
      await stop(again.child);
    }
  });
});

describe('shopauth serve beyond loopback', () => {
  test('without --public-url it warns that issuers follow the Host header (RFC 8414 §3.3); on loopback or with a public URL it does not', async () => {
    const serveUntilListening = async (args: string[]) => {
      const env = { ...process.env, SHOPAUTH_SECRET: 'q5Qd0pYk0fM0n1GJ9Cw1vVYb8yq0l6oQp3n0v4r7s2A' };
      const port = await freePort();
      const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port), '--db', join(dir, 'wide.db'), ...args], { stdio: ['pipe', 'pipe', 'pipe'], env });
      let err = '';
      await new Promise<void>((resolve, reject) => {
        child.stderr.on('data', (d: Buffer) => {
          err += d.toString();
          if (/listening on .*\n/.test(err)) resolve();
        });
        child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
      });
      // The warning, if any, is written in the same synchronous step as the listening line: once the
      // server has answered a request, that step is over and its output is in the pipe.
      const answered = await fetch(`http://127.0.0.1:${port}/openapi.json`);
      expect(answered.status).toBe(200);
      await answered.arrayBuffer();
      await stop(child);
      return err.split('\n').filter((l) => l.startsWith('shopauth'));
    };
    const wide = await serveUntilListening(['--host', '0.0.0.0']);
    expect(wide[1]).toBe('shopauth: warning: set --public-url (SHOPAUTH_PUBLIC_URL) when serving beyond loopback; issuers now follow the Host header');
    // The last line is the graceful stop's (docs/operations.md).
    const stopping = 'shopauth: stopping: no new connections; in-flight requests get up to 10 s';
    expect(await serveUntilListening(['--host', '0.0.0.0', '--public-url', 'https://auth.example.com'])).toEqual(['shopauth listening on https://auth.example.com (store: sqlite)', stopping]);
    expect(await serveUntilListening([])).toEqual([expect.stringMatching(/^shopauth listening on http:\/\/127\.0\.0\.1:\d+ \(store: sqlite\)$/), stopping]);
  });
});
