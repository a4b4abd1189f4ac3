import { afterEach, describe, expect, test } from 'vitest';
import { loadConfig, type TrustProxy } from '../../src/config.js';
import { authorizeUrl, Browser, expectPageRefusal, readForm, WRONG_LOGIN } from '../support/browser.js';
import { seedApp, seedMall } from '../support/fixtures.js';
import { startServer, type TestServer } from '../support/server.js';

/**
 * Issue 15, item 2: `--trust-proxy` takes a hop count or the proxies' address ranges, never "every
 * hop". The client address is the first untrusted one from the right of X-Forwarded-For, and
 * X-Forwarded-Host / -Proto count only when the peer is a trusted proxy. Without --public-url the
 * metadata follows the Host and is not cached publicly.
 */
const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(trustProxy: TrustProxy | null, publicUrl: string | null = null) {
  const s = await startServer({ config: { trustProxy, publicUrl } });
  servers.push(s);
  await seedMall(s, 'mall1');
  return { s, app: await seedApp(s) };
}

/** One failed login with these headers; returns the audited client address. */
async function auditedAddress(s: TestServer, clientId: string, headers: Record<string, string>): Promise<string | null> {
  const browser = new Browser();
  const url = authorizeUrl(s, { mallId: 'mall1', clientId });
  const form = readForm(await (await browser.request(url, { headers })).text(), url);
  const res = await browser.request(form.action, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf_token: form.csrf, user_id: 'boss', password: 'wrong-password' }).toString(),
  });
  await expectPageRefusal(res, 401, WRONG_LOGIN);
  await s.ctx.audit.flush();
  const [event] = await s.store.audit.list({ type: 'login.failed', limit: 1 });
  return event!.ip;
}

const metadata = (s: TestServer, headers: Record<string, string> = {}) => fetch(`${s.url}/.well-known/oauth-authorization-server/malls/mall1`, { headers });

describe('--trust-proxy', () => {
  test('a hop count: the client address is the one the trusted proxy appended, not the leftmost entry the client wrote', async () => {
    const { s, app } = await setup({ hops: 1 });
    expect(await auditedAddress(s, app.clientId, { 'x-forwarded-for': '198.51.100.66, 203.0.113.7' })).toBe('203.0.113.7');
    const two = await setup({ hops: 2 });
    expect(await auditedAddress(two.s, two.app.clientId, { 'x-forwarded-for': '198.51.100.66, 203.0.113.7, 10.0.0.2' })).toBe('203.0.113.7');
  });

  test('address ranges: trusted hops are skipped from the right; an untrusted peer is the client and its X-Forwarded-* are ignored', async () => {
    const { s, app } = await setup({ ranges: ['127.0.0.0/8', '10.0.0.0/8'] });
    expect(await auditedAddress(s, app.clientId, { 'x-forwarded-for': '198.51.100.66, 203.0.113.7, 10.1.2.3' })).toBe('203.0.113.7');
    const direct = await setup({ ranges: ['10.0.0.0/8'] });
    expect(await auditedAddress(direct.s, direct.app.clientId, { 'x-forwarded-for': '203.0.113.7' })).toBe('127.0.0.1');
    const res = await metadata(direct.s, { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { issuer: string }).issuer).toBe(`${direct.s.url}/malls/mall1`);
  });

  test('without --public-url, a trusted proxy\'s X-Forwarded-Host sets the issuer, and the metadata is private, no-cache', async () => {
    const { s } = await setup({ hops: 1 });
    const res = await metadata(s, { 'x-forwarded-host': 'auth.example', 'x-forwarded-proto': 'https' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('private, no-cache');
    expect(res.headers.get('vary')).toBe('host, x-forwarded-host, x-forwarded-proto');
    expect(((await res.json()) as { issuer: string }).issuer).toBe('https://auth.example/malls/mall1');
    const none = await setup(null);
    const plain = await metadata(none.s, { 'x-forwarded-host': 'evil.example' });
    expect(plain.headers.get('cache-control')).toBe('private, no-cache');
    expect(((await plain.json()) as { issuer: string }).issuer).toBe(`${none.s.url}/malls/mall1`);
  });

  test('with --public-url the issuer is fixed whatever the headers say, and the metadata is public, max-age=300', async () => {
    const { s } = await setup({ hops: 1 }, 'https://auth.example.com');
    const res = await metadata(s, { 'x-forwarded-host': 'evil.example' });
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    expect(((await res.json()) as { issuer: string }).issuer).toBe('https://auth.example.com/malls/mall1');
  });

  test('the setting: "true" (every hop) is refused; a count or address ranges are taken', () => {
    expect(() => loadConfig({}, { SHOPAUTH_TRUST_PROXY: 'true' })).toThrow(/would trust every hop/);
    expect(() => loadConfig({ 'trust-proxy': '10.0.0.0/33' }, {})).toThrow(/hop count or addresses/);
    expect(() => loadConfig({ 'trust-proxy': '0' }, {})).toThrow(/1 to 10/);
    expect(loadConfig({ 'trust-proxy': '2' }, {}).trustProxy).toEqual({ hops: 2 });
    expect(loadConfig({}, { SHOPAUTH_TRUST_PROXY: '10.0.0.0/8, 2001:db8::/32,192.0.2.1' }).trustProxy).toEqual({ ranges: ['10.0.0.0/8', '2001:db8::/32', '192.0.2.1'] });
    expect(loadConfig({}, {}).trustProxy).toBeNull();
  });
});
