import { randomBytes, scryptSync } from 'node:crypto';
import { afterEach, describe, expect, test } from 'vitest';
import { addressBucket } from '../../src/throttle/address-bucket.js';
import { authorize, authorizeUrl, Browser, expectLoginThrottled, expectPageRefusal, readForm, WRONG_LOGIN } from '../support/browser.js';
import { PASSWORD, seedApp, seedMall } from '../support/fixtures.js';
import { startServer, type TestServer } from '../support/server.js';

/**
 * Issue 15, item 9: per-address login buckets per IPv6 /64 (IPv4 /32); scrypt at OWASP's
 * N = 2^17 with older hashes redone at the next successful login; `__Host-` session cookies,
 * Secure, whenever the public URL is https.
 */
const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(config: Parameters<typeof startServer>[0] = {}) {
  const s = await startServer(config);
  servers.push(s);
  await seedMall(s, 'mall1');
  return { s, app: await seedApp(s) };
}

async function attempt(s: TestServer, clientId: string, userId: string, password: string, headers: Record<string, string> = {}) {
  const browser = new Browser();
  const url = authorizeUrl(s, { mallId: 'mall1', clientId });
  const form = readForm(await (await browser.request(url, { headers })).text(), url);
  return browser.request(form.action, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf_token: form.csrf, user_id: userId, password }).toString(),
  });
}

describe('per-address buckets', () => {
  test('addresses: IPv4 whole, IPv6 by /64, IPv4-mapped IPv6 as IPv4', () => {
    expect(addressBucket('203.0.113.7')).toBe('203.0.113.7');
    expect(addressBucket('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(addressBucket('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(addressBucket('::ffff:198.51.100.9')).toBe('198.51.100.9');
    expect(addressBucket('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressBucket('::1')).toBe('0:0:0:0::/64');
  });

  test('20 attempts from 20 addresses of one IPv6 /64, then 429 from a 21st address of it; another /64 is not affected', async () => {
    const { s, app } = await setup({ config: { trustProxy: { hops: 1 } } });
    const users = ['boss', 'helper', 'nobody1', 'nobody2'];
    for (let i = 0; i < 20; i++) {
      const res = await attempt(s, app.clientId, users[i % 4]!, 'wrong-password', { 'x-forwarded-for': `2001:db8:1:2::${(i + 1).toString(16)}` });
      await expectPageRefusal(res, 401, WRONG_LOGIN);
    }
    const throttled = await attempt(s, app.clientId, 'fresh', 'wrong-password', { 'x-forwarded-for': '2001:db8:1:2:ffff:ffff:ffff:fff0' });
    await expectLoginThrottled(throttled, 6);
    await expectPageRefusal(await attempt(s, app.clientId, 'fresh', 'wrong-password', { 'x-forwarded-for': '2001:db8:1:3::1' }), 401, WRONG_LOGIN);
  });
});

describe('operator passwords', () => {
  test('new hashes are scrypt N=2^17, r=8, p=1; a 2^14 hash is redone at the next successful login and keeps working', async () => {
    const { s, app } = await setup();
    expect((await s.store.operators.get('mall1', 'boss'))!.passwordHash).toMatch(/^scrypt\$131072\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    const salt = randomBytes(16);
    const old = ['scrypt', 16384, 8, 1, salt.toString('base64url'), scryptSync(PASSWORD, salt, 32, { N: 16384, r: 8, p: 1 }).toString('base64url')].join('$');
    await s.store.operators.add({ mallId: 'mall1', userId: 'legacy', passwordHash: old, userType: 'P', name: 'Legacy', createdAt: s.clock.now() });
    await expectPageRefusal(await attempt(s, app.clientId, 'legacy', 'wrong-password'), 401, WRONG_LOGIN);
    expect((await s.store.operators.get('mall1', 'legacy'))!.passwordHash).toBe(old);
    expect((await attempt(s, app.clientId, 'legacy', PASSWORD)).status).toBe(303);
    const upgraded = (await s.store.operators.get('mall1', 'legacy'))!.passwordHash;
    expect(upgraded).toMatch(/^scrypt\$131072\$8\$1\$/);
    const code = await authorize(s, { mallId: 'mall1', clientId: app.clientId, userId: 'legacy' });
    expect(code.searchParams.get('code')).not.toBeNull();
    expect((await s.store.operators.get('mall1', 'legacy'))!.passwordHash).toBe(upgraded);
  });

  test('a stored hash naming a cost above today\'s is refused without being computed', async () => {
    const { s, app } = await setup();
    const huge = `scrypt$${2 ** 24}$8$1$${randomBytes(16).toString('base64url')}$${randomBytes(32).toString('base64url')}`;
    await s.store.operators.add({ mallId: 'mall1', userId: 'huge', passwordHash: huge, userType: 'P', name: 'Huge', createdAt: s.clock.now() });
    await expectPageRefusal(await attempt(s, app.clientId, 'huge', PASSWORD), 401, WRONG_LOGIN);
  });
});

describe('session cookie', () => {
  test('public URL https: __Host-shopauth_sid_{mall}, Path=/, Secure, HttpOnly, SameSite=Lax, and the login works with it', async () => {
    const { s, app } = await setup({ config: { publicUrl: 'https://auth.example' } });
    const browser = new Browser();
    const url = authorizeUrl(s, { mallId: 'mall1', clientId: app.clientId });
    const login = await browser.get(url);
    expect(login.headers.get('set-cookie')).toMatch(/^__Host-shopauth_sid_mall1=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    const form = readForm(await login.text(), url);
    const signedIn = await browser.post(form.action, { csrf_token: form.csrf, user_id: 'boss', password: PASSWORD });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('set-cookie')).toMatch(/^__Host-shopauth_sid_mall1=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    const consent = await browser.get(url);
    expect(consent.status).toBe(200);
    expect(await consent.text()).toContain('name="decision"');
    expect([...browser.cookies.keys()]).toEqual(['__Host-shopauth_sid_mall1']);
  });
});
