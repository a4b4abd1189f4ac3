import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introspect, type AppConfig } from '../../src/client/index.js';
import { BIN, runCli } from '../support/cli.js';
import type { TestServer } from '../support/server.js';
import { consent, startShop, tokenEvents } from './support.js';

let s: TestServer;
let app: AppConfig;
let clientId: string;
let clientSecret: string;
let config: string;

beforeAll(async () => {
  ({ s, app, client: { clientId, clientSecret } } = await startShop());
  config = mkdtempSync(join(tmpdir(), 'shopauth-cli-'));
});
afterAll(() => s.close());

const env = () => ({ XDG_CONFIG_HOME: config });

/** `shopauth login` in a child process; resolves with the authorize URL as soon as it prints it. */
function startLogin(args: string[], extraEnv: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, 'login', ...args], { env: { ...process.env, ...env(), ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout });
  const url = new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      stdout += `${line}\n`;
      if (line.includes('/api/v2/oauth/authorize?')) resolve(line.trim());
    });
    child.on('exit', () => reject(new Error(`login ended before printing the URL: ${stderr}`)));
  });
  const closed = new Promise<void>((resolve) => lines.once('close', resolve));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve)).then(async (code) => {
    await closed;
    return { code, stdout, stderr };
  });
  return { url, exited, kill: () => child.kill() };
}

describe('shopauth login, call, logout', () => {
  it('logs in through a loopback callback on any free port, calls the API refreshing as needed, logs out', async () => {
    // The secret from the environment (not the command line); the code exchange proves it was used.
    const login = startLogin(['--mall', 'mall1', '--client-id', clientId, '--scopes', 'mall.read_store,mall.read_product,mall.write_product', '--base', s.url, '--port', '0', '--no-open'], {
      SHOPAUTH_CLIENT_SECRET: clientSecret,
    });
    try {
      const url = new URL(await login.url);
      expect(`${url.origin}${url.pathname}`).toBe(`${s.url}/malls/mall1/api/v2/oauth/authorize`);
      const redirectUri = url.searchParams.get('redirect_uri')!;
      // Registered: http://127.0.0.1:8765/callback; the CLI took another port (RFC 8252 §7.3).
      expect(redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
      expect(redirectUri).not.toBe('http://127.0.0.1:8765/callback');
      expect(url.searchParams.get('code_challenge_method')).toBe('S256');

      // A forged callback (another state) is refused and the login goes on waiting.
      const forged = await fetch(`${redirectUri}?code=forged&state=not-this-one`);
      expect(forged.status).toBe(400);
      expect(await forged.text()).toBe('this answer is not for the login in progress (state differs)\n');

      const location = await consent(url.toString());
      expect(location.startsWith(`${redirectUri}?`)).toBe(true);
      const landing = await fetch(location);
      expect(landing.status).toBe(200);
      expect(landing.headers.get('cache-control')).toBe('no-store');
      expect(await landing.text()).toBe('shopauth: logged in. You can close this window.\n');
    } finally {
      setTimeout(login.kill, 60_000).unref();
    }
    const done = await login.exited;
    expect(done.code).toBe(0);
    expect(done.stdout).toContain(`logged in to mall1 as boss with mall.read_store,mall.read_product,mall.write_product; session saved in ${join(config, 'shopauth')}`);
    expect(done.stdout).not.toContain(clientSecret);
    for (const file of ['session.json', 'tokens.json']) expect(statSync(join(config, 'shopauth', file)).mode & 0o777).toBe(0o600);
    expect(statSync(join(config, 'shopauth')).mode & 0o777).toBe(0o700);

    const list = await runCli(['call', 'GET', '/api/v2/admin/products?limit=5'], env());
    expect(list.stderr).toBe('');
    expect(list.code).toBe(0);
    expect((JSON.parse(list.stdout) as { products: unknown[] }).products).toHaveLength(5);

    const created = await runCli(['call', 'POST', '/api/v2/admin/products', '--data', JSON.stringify({ shop_no: 1, request: { product_name: 'CLI Mug', price: '1000' } }), '--include'], env());
    expect(created.code).toBe(0);
    const cut = created.stdout.indexOf('\n\n');
    const [head, body] = [created.stdout.slice(0, cut), created.stdout.slice(cut + 2)];
    expect(head!.split('\n')[0]).toBe('HTTP 201');
    expect(head).toMatch(/^x-api-call-limit: \d+\/40$/m);
    expect(JSON.parse(body!)).toMatchObject({ product: { product_name: 'CLI Mug', price: '1000.00' } });

    // The access token dies at the server: the next call refreshes it once and goes through.
    const before = await tokenEvents(s, clientId);
    s.clock.advance(7200_000 + 1000);
    const store = await runCli(['call', 'GET', '/api/v2/admin/store'], env());
    expect(store.code).toBe(0);
    expect(JSON.parse(store.stdout)).toMatchObject({ store: { mall_id: 'mall1' } });
    expect((await tokenEvents(s, clientId)).refreshes).toBe(before.refreshes + 1);

    const refused = await runCli(['call', 'GET', '/api/v2/admin/orders'], env());
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ error: { code: 403 } });

    const saved = JSON.parse(readFileSync(join(config, 'shopauth', 'tokens.json'), 'utf8')) as { tokens: { refreshToken: string; accessToken: string } };
    const out = await runCli(['logout'], env());
    expect(out).toMatchObject({ code: 0, stdout: 'logged out: tokens revoked and forgotten\n', stderr: '' });
    expect(await introspect(app, saved.tokens.refreshToken)).toEqual({ active: false });
    expect(await introspect(app, saved.tokens.accessToken)).toEqual({ active: false });
    expect(existsSync(join(config, 'shopauth', 'tokens.json'))).toBe(false);
    expect(existsSync(join(config, 'shopauth', 'session.json'))).toBe(false);

    const after = await runCli(['call', 'GET', '/api/v2/admin/store'], env());
    expect(after).toMatchObject({ code: 1, stdout: '', stderr: 'shopauth: not logged in: run shopauth login first\n' });
  }, 180_000);

  it('a denied authorization fails the login with the server\'s error (--base as a {mall_id} template)', async () => {
    const login = startLogin(['--mall', 'mall1', '--client-id', clientId, '--client-secret', clientSecret, '--scopes', 'mall.read_store', '--base', `${s.url}/malls/{mall_id}`, '--redirect-uri', 'http://127.0.0.1:0/callback', '--no-open']);
    const url = await login.url;
    expect(url.startsWith(`${s.url}/malls/mall1/api/v2/oauth/authorize?`)).toBe(true);
    const landing = await fetch(await consent(url, undefined, 'deny'));
    expect(landing.status).toBe(400);
    expect(await landing.text()).toMatch(/^authorization failed: the authorization server answered access_denied/);
    const done = await login.exited;
    expect(done.code).toBe(1);
    expect(done.stderr).toMatch(/shopauth: the authorization server answered access_denied.*\n$/);
  }, 120_000);

  it('refuses a redirect URI that is not http on a loopback IP literal', async () => {
    const r = await runCli(['login', '--mall', 'mall1', '--client-id', clientId, '--scopes', 'mall.read_store', '--redirect-uri', 'http://localhost:8765/callback', '--no-open'], env());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^shopauth: --redirect-uri must be http:\/\/127\.0\.0\.1:PORT\/PATH/);
  }, 60_000);
});
