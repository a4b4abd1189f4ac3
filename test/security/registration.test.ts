import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createApp, RegistryError } from '../../src/registry/registry.js';
import { runCli } from '../support/cli.js';
import { startServer, type TestServer } from '../support/server.js';

/**
 * Issue 15, item 10: registration refuses plain http redirect URIs beyond loopback (RFC 6749
 * §3.1.2.1, RFC 9700 §4.1; loopback any port, RFC 8252 §7.3), App URLs other than https or
 * loopback http; the demo app's pages exist only under `serve --demo`.
 */
let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s.close());

const register = (redirectUri: string, appUrl = 'https://app.example/') =>
  createApp({ store: s.store, clock: s.clock, hasher: s.ctx.hasher, secretSealer: s.ctx.secretSealer }, {
    name: 'App', redirectUris: [redirectUri], appUrl, scopes: ['mall.read_store'],
  });

describe('redirect URIs and App URL', () => {
  test.each([
    'https://app.example/cb',
    'http://127.0.0.1/cb',
    'http://127.0.0.1:53124/cb',
    'http://127.9.8.7:8080/cb',
    'http://[::1]:61000/cb',
    'http://localhost:5173/cb',
    'com.example.app:/oauth2redirect',
  ])('accepted: %s', async (uri) => {
    const { app } = await register(uri);
    expect(app.redirectUris).toEqual([uri]);
  });

  test.each([
    ['http://app.example/cb', 'redirect URI must use https (plain http only on loopback: 127.0.0.1, [::1] or localhost): http://app.example/cb'],
    ['http://10.0.0.5:8080/cb', 'redirect URI must use https (plain http only on loopback: 127.0.0.1, [::1] or localhost): http://10.0.0.5:8080/cb'],
    ['http://localhost.evil.example/cb', 'redirect URI must use https (plain http only on loopback: 127.0.0.1, [::1] or localhost): http://localhost.evil.example/cb'],
    ['http://127.0.0.1.evil.example/cb', 'redirect URI must use https (plain http only on loopback: 127.0.0.1, [::1] or localhost): http://127.0.0.1.evil.example/cb'],
    ['vbscript:msgbox(1)', 'redirect URI scheme not allowed: vbscript:msgbox(1)'],
    ['file:///etc/passwd', 'redirect URI scheme not allowed: file:///etc/passwd'],
  ])('refused: %s', async (uri, message) => {
    await expect(register(uri)).rejects.toThrow(new RegistryError(message));
    expect((await s.store.apps.list()).some((a) => a.redirectUris.includes(uri))).toBe(false);
  });

  test.each(['https://app.example/launch', 'http://127.0.0.1:3000/', 'http://localhost/app', 'http://[::1]/'])('App URL accepted: %s', async (appUrl) => {
    expect((await register('https://app.example/cb', appUrl)).app.appUrl).toBe(appUrl);
  });

  test.each(['http://app.example/', 'javascript:alert(1)', 'ftp://app.example/', 'data:text/html,x'])('App URL refused: %s', async (appUrl) => {
    await expect(register('https://app.example/cb', appUrl)).rejects.toThrow(`App URL must be https (or http on loopback: 127.0.0.1, [::1] or localhost): ${appUrl}`);
  });

  test('the CLI says why, exit 1', async () => {
    const r = await runCli(['app', 'create', '--name', 'X', '--redirect-uri', 'http://app.example/cb', '--app-url', 'https://app.example', '--scopes', 'mall.read_store', '--db', ':memory:']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('shopauth: redirect URI must use https (plain http only on loopback: 127.0.0.1, [::1] or localhost): http://app.example/cb');
  });
});

describe('demo routes', () => {
  test('without --demo, /demo and /demo/callback are 404 (the API error shape)', async () => {
    for (const path of ['/demo', '/demo/callback?code=x&state=y']) {
      const res = await fetch(`${s.url}${path}`);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: { code: 404, message: 'no such resource', more_info: {}, trace_id: res.headers.get('x-trace-id') } });
    }
  });

  test('with --demo they are served', async () => {
    const demo = await startServer({ demo: true });
    try {
      const res = await fetch(`${demo.url}/demo/callback?code=abc&state=demo-state`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    } finally {
      await demo.close();
    }
  });
});
