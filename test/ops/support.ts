import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { expect } from 'vitest';
import { authorizeCode } from '../support/browser.js';
import { BIN, runCliJson } from '../support/cli.js';
import { basic, PASSWORD, REDIRECT_URI } from '../support/fixtures.js';
import { pkce, type TestClient, type TokenPair } from '../support/oauth.js';
import type { TestServer } from '../support/server.js';

/** A port nobody listens on right now (the kernel's pick, released at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** A `shopauth serve` process of the built bin, with its stderr kept line by line. */
export class Served {
  readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private waiters: { re: RegExp; resolve: (m: RegExpExecArray) => void; from: number }[] = [];

  constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {
    let partial = '';
    child.stderr!.on('data', (d: Buffer) => {
      const parts = (partial + d.toString()).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        this.lines.push(line);
        this.check();
      }
    });
    child.stdout!.resume();
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  private check(): void {
    this.waiters = this.waiters.filter((w) => {
      for (let i = w.from; i < this.lines.length; i++) {
        const m = w.re.exec(this.lines[i]!);
        if (m) {
          w.resolve(m);
          return false;
        }
      }
      return true;
    });
  }

  /** The first stderr line from index `from` on that matches (an event, not a sleep). */
  waitFor(re: RegExp, from = 0): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ re, resolve, from });
      this.check();
      void this.exited.then(({ code, signal }) => reject(new Error(`serve exited (${signal ?? code}) before ${re}:\n${this.lines.slice(-20).join('\n')}`)));
    });
  }

  /** Lines matching `re` so far. */
  count(re: RegExp): number {
    return this.lines.filter((l) => re.test(l)).length;
  }

  mallUrl(mallId: string): string {
    return `${this.url}/malls/${mallId}`;
  }

  /** Enough of a TestServer for the browser helpers (test/support/browser.ts). */
  get asTestServer(): TestServer {
    return { url: this.url, mallUrl: (m: string) => this.mallUrl(m) } as unknown as TestServer;
  }

  /** Signals the process (by its own pid) and waits for it to exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

/**
 * Starts `shopauth serve` on a free port and waits until it listens (the primary's "starting"
 * line is not enough with workers: every worker's "listening" line is awaited).
 */
export async function serve(args: string[], env: NodeJS.ProcessEnv = {}, options: { workers?: number } = {}): Promise<Served> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port), ...args], {
    env: { ...process.env, SHOPAUTH_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const s = new Served(child, `http://127.0.0.1:${port}`);
  if (options.workers) {
    for (let i = 0; i < options.workers; i++) await s.waitFor(new RegExp(`worker ${i + 1} \\(pid \\d+\\) listening`));
  } else {
    await s.waitFor(/shopauth listening on/);
  }
  return s;
}

/** A mall `mall1` with operator `boss` and a confidential app, made by the CLI in `db`. */
export async function seedByCli(db: string): Promise<TestClient> {
  await runCliJson(['mall', 'create', 'mall1', '--operator', 'boss', '--password', PASSWORD, '--db', db]);
  const app = await runCliJson<{ client_id: string; client_secret: string }>([
    'app', 'create', '--name', 'Ops', '--redirect-uri', REDIRECT_URI, '--app-url', 'https://app.example/', '--scopes', 'mall.read_store,mall.read_product', '--db', db,
  ]);
  return { clientId: app.client_id, clientSecret: app.client_secret };
}

/** POST the Cafe24 token endpoint of mall1. */
export function tokenRequest(base: string, client: TestClient, params: Record<string, string>): Promise<Response> {
  return fetch(`${base}/malls/mall1/api/v2/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(client.clientId, client.clientSecret) },
    body: new URLSearchParams(params).toString(),
  });
}

/** Browser flow (operator boss signs in, allows) and the code exchange against a served process. */
export async function obtainFrom(s: Served, client: TestClient): Promise<TokenPair> {
  const { verifier, challenge } = pkce();
  const code = await authorizeCode(s.asTestServer, { mallId: 'mall1', clientId: client.clientId, extra: { code_challenge: challenge, code_challenge_method: 'S256' } });
  const res = await tokenRequest(s.url, client, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
  expect(res.status).toBe(200);
  return (await res.json()) as TokenPair;
}

/** GET the Admin API's store resource with an access token: the status. */
export async function apiStatus(base: string, accessToken: string): Promise<number> {
  const res = await fetch(`${base}/malls/mall1/api/v2/admin/store`, { headers: { authorization: `Bearer ${accessToken}` } });
  await res.arrayBuffer();
  return res.status;
}
