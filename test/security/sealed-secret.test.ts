import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Browser, expectPageHeaders, readForm } from '../support/browser.js';
import { PASSWORD, seedApp, seedMall } from '../support/fixtures.js';
import { obtainTokens } from '../support/oauth.js';
import { startServer } from '../support/server.js';

/**
 * A sealed secret that no longer opens (keys/sealing.ts): the database was written under one
 * server key and the server now runs with another. Launching an app needs its sealed client
 * secret: the answer says what is wrong and how to fix it, the secret is not logged, and the
 * server keeps serving.
 */
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'shopauth-sealed-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a sealed client secret under another server key', () => {
  test('the launch is a 500 page naming the cause and the fix; nothing secret in the log; the console keeps working', async () => {
    const db = join(dir, 'sealed.db');
    const first = await startServer({ db, config: { secret: 'the server key this database was written with' } });
    await seedMall(first, 'mall1');
    const app = await seedApp(first);
    await obtainTokens(first, 'mall1', app); // boss installs the app: the console can launch it
    await first.close();

    const log = new PassThrough();
    let logs = '';
    log.on('data', (d: Buffer) => (logs += d.toString()));
    const s = await startServer({ db, log, config: { secret: 'another server key altogether', logLevel: 'error' } });
    try {
      const home = `${s.mallUrl('mall1')}/console`;
      const browser = new Browser();
      const form = readForm(await (await browser.get(home)).text(), home);
      expect((await browser.post(form.action, { csrf_token: form.csrf, user_id: 'boss', password: PASSWORD })).status).toBe(303);
      const launch = await browser.get(`${home}/apps/${app.clientId}/launch`);
      expect(launch.status).toBe(500);
      expectPageHeaders(launch);
      expect(launch.headers.get('location')).toBeNull();
      const html = await launch.text();
      expect(html).toContain('the app&#39;s secret cannot be unsealed: the server key that sealed it is not configured (SHOPAUTH_SECRET or the key file); re-register the app');
      expect(html).not.toContain(app.clientSecret);
      expect(logs).not.toContain(app.clientSecret);
      const again = await browser.get(home);
      expect(again.status).toBe(200);
      expect(await again.text()).toContain(app.clientId);
    } finally {
      await s.close();
    }
  });
});
