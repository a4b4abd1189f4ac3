import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSampleData } from '../../src/api/sample-data.js';
import { ManualClock } from '../../src/clock.js';
import { createApp } from '../../src/registry/registry.js';
import { Browser } from '../support/browser.js';
import { seedMall } from '../support/fixtures.js';
import { startServer, type TestServer } from '../support/server.js';
import { consent } from './support.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The `app.mjs` of docs/sdk.md, as a reader copies it. */
function docsApp(): string {
  const doc = readFileSync(join(ROOT, 'docs/sdk.md'), 'utf8');
  const code = /`app\.mjs`:\n\n```js\n([\s\S]*?)\n```/.exec(doc)?.[1];
  if (!code) throw new Error('docs/sdk.md has no app.mjs block');
  return code;
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

describe('the complete app of docs/sdk.md', () => {
  let s: TestServer;
  let child: ChildProcess;
  let appUrl: string;
  let clientId: string;

  beforeAll(async () => {
    // The app runs on the real clock: so does this server's (still a ManualClock, never moved here).
    s = await startServer({ clock: new ManualClock(Date.now()) });
    await seedMall(s, 'mall1');
    await seedSampleData(s, (await s.store.malls.get('mall1'))!, { counts: { products: 7, customers: 1, orders: 1 } });
    const port = await freePort();
    appUrl = `http://127.0.0.1:${port}/`;
    const { app, clientSecret } = await createApp(
      { store: s.store, clock: s.clock, hasher: s.ctx.hasher, secretSealer: s.ctx.secretSealer },
      // As the doc registers it: the callback on port 3000; the app runs on another (RFC 8252 §7.3).
      { name: 'Hello app', appUrl, redirectUris: ['http://127.0.0.1:3000/callback'], scopes: ['mall.read_store', 'mall.read_product'] },
    );
    clientId = app.clientId;
    const dir = join(ROOT, 'test-artifacts', 'sdk-doc');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'app.mjs'), docsApp());
    const tokens = join(mkdtempSync(join(tmpdir(), 'sdk-doc-')), 'tokens.json');
    child = spawn(process.execPath, [join(dir, 'app.mjs')], {
      env: { ...process.env, PORT: String(port), SHOP_BASE: s.url, MALL_ID: 'mall1', CLIENT_ID: clientId, CLIENT_SECRET: clientSecret!, TOKENS_FILE: tokens },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout! });
    await new Promise<void>((resolve, reject) => {
      lines.on('line', (line) => line.startsWith('listening on') && resolve());
      child.on('exit', (code) => reject(new Error(`app.mjs exited ${code}`)));
    });
  }, 60_000);
  afterAll(async () => {
    child?.kill();
    await s?.close();
  });

  it('authorizes through the console launch, shows the shop, and refuses a tampered launch', async () => {
    const browser = new Browser();
    const start = await browser.get(appUrl);
    expect(start.status).toBe(302);
    const authorize = start.headers.get('location')!;
    expect(authorize.startsWith(`${s.url}/malls/mall1/api/v2/oauth/authorize?`)).toBe(true);
    const callback = await consent(authorize, browser);
    expect(callback.startsWith(`${appUrl}callback?code=`)).toBe(true);
    // A replayed or foreign callback: no login in progress for it.
    expect((await fetch(callback)).status).toBe(400);
    const done = await browser.get(callback);
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toBe('/');
    const home = await browser.get(appUrl);
    expect(home.status).toBe(200);
    const html = await home.text();
    expect(html).toMatch(/^<h1>Shop mall1<\/h1><ul>(<li>[^<]+: \d+\.\d\d<\/li>){5}<\/ul>$/);

    const launch = await browser.get(`${s.url}/malls/mall1/console/apps/${clientId}/launch`);
    expect(launch.status).toBe(302);
    const launched = launch.headers.get('location')!;
    expect(launched.startsWith(`${appUrl}?`)).toBe(true);
    const opened = await fetch(launched);
    expect(opened.status).toBe(200);
    expect(await opened.text()).toBe(html);
    const tampered = await fetch(launched.replace('user_id=boss', 'user_id=helper'));
    expect(tampered.status).toBe(403);
    expect(await tampered.text()).toBe('not a valid launch (ERR_LAUNCH_INVALID)');
  }, 120_000);
});
