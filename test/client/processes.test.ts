import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizationUrl, exchangeCode, FileTokenStore, handleCallback, introspect, type AppConfig } from '../../src/client/index.js';
import type { TestServer } from '../support/server.js';
import { CALLBACK, consent, SCOPES, startShop, tokenEvents } from './support.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/app-process.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Phase {
  phase: number;
  pid: number;
  outcomes: string[];
}

/** An app process (fixtures/app-process.mjs on the built SDK): one JSON line per phase, the next phase on a stdin line. */
class AppProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: AsyncIterator<string>;
  private stderr = '';
  readonly exited: Promise<number | null>;

  constructor(options: Record<string, unknown>) {
    this.child = spawn(process.execPath, [SCRIPT, JSON.stringify(options)], { cwd: ROOT });
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.lines = createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
    this.exited = new Promise((resolve) => this.child.on('exit', resolve));
  }

  async phase(): Promise<Phase> {
    const { value, done } = await this.lines.next();
    if (done) throw new Error(`the app process ended: ${this.stderr}`);
    return JSON.parse(value as string) as Phase;
  }

  next(): void {
    this.child.stdin.write('next\n');
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill();
  }
}

let s: TestServer;
let app: AppConfig;
let clientId: string;
const children: AppProcess[] = [];

beforeAll(async () => {
  ({ s, app, client: { clientId } } = await startShop());
});
afterAll(async () => {
  for (const c of children) c.kill();
  await s.close();
});

/**
 * Logs in through the SDK and saves the session in a fresh token file. The app processes run on
 * the real clock, so the expiry is counted on it too: only the server (on its ManualClock) knows
 * when the token dies, and the processes learn it from a 401 invalid_token.
 */
async function sessionFile(): Promise<string> {
  const config = app;
  const pending = authorizationUrl({ ...config, redirectUri: CALLBACK, scopes: SCOPES });
  const { code } = handleCallback(await consent(pending.url), pending);
  const file = join(mkdtempSync(join(tmpdir(), 'sdk-store-')), 'tokens.json');
  await new FileTokenStore(file).set(await exchangeCode(config, { code, redirectUri: CALLBACK, codeVerifier: pending.codeVerifier }));
  return file;
}

const start = (file: string, phases: number[]) => {
  const child = new AppProcess({ base: s.url, mallId: 'mall1', clientId, clientSecret: app.clientSecret, file, phases });
  children.push(child);
  return child;
};

describe('app processes sharing one file token store', () => {
  it('two processes, 20 calls each across an expiry: one refresh, no reuse detection, all succeed', async () => {
    const file = await sessionFile();
    const before = await tokenEvents(s, clientId);
    const [a, b] = [start(file, [10, 10]), start(file, [10, 10])];
    const first = await Promise.all([a.phase(), b.phase()]);
    expect(first.flatMap((p) => p.outcomes)).toEqual(Array(20).fill('mall1'));
    expect((await tokenEvents(s, clientId)).refreshes).toBe(before.refreshes);

    s.clock.advance(7200_000 + 1000); // both processes' access token is now dead at the server
    a.next();
    b.next();
    const second = await Promise.all([a.phase(), b.phase()]);
    expect(second.flatMap((p) => p.outcomes)).toEqual(Array(20).fill('mall1'));
    expect(await Promise.all([a.exited, b.exited])).toEqual([0, 0]);

    const after = await tokenEvents(s, clientId);
    expect(after.refreshes - before.refreshes).toBe(1);
    expect(after.reuse).toBe(0);
    const stored = (await new FileTokenStore(file).get())!;
    expect(await introspect(app, stored.refreshToken!)).toMatchObject({ active: true });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  }, 180_000);

  it('a restarted app process goes on with the stored session, refreshing it once when it expired', async () => {
    const file = await sessionFile();
    const before = await tokenEvents(s, clientId);
    const run = async () => {
      const child = start(file, [5]);
      const { outcomes } = await child.phase();
      expect(await child.exited).toBe(0);
      return outcomes;
    };
    expect(await run()).toEqual(Array(5).fill('mall1'));
    expect(await tokenEvents(s, clientId)).toEqual(before);
    const firstTokens = await new FileTokenStore(file).get();

    s.clock.advance(7200_000 + 1000);
    expect(await run()).toEqual(Array(5).fill('mall1'));
    expect(await run()).toEqual(Array(5).fill('mall1'));
    const after = await tokenEvents(s, clientId);
    // One refresh across both restarts, and no new authorization.
    expect(after).toEqual({ ...before, refreshes: before.refreshes + 1 });
    expect((await new FileTokenStore(file).get())!.refreshToken).not.toBe(firstTokens!.refreshToken);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  }, 180_000);
});
