import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, test } from 'vitest';
import { authorizeUrl, Browser, expectLoginThrottled, expectPageRefusal, readForm, WRONG_LOGIN } from '../support/browser.js';
import { PASSWORD, seedApp, seedMall } from '../support/fixtures.js';
import { startServer, type TestServer } from '../support/server.js';
import type { TrustProxy } from '../../src/config.js';

/**
 * Login throttling against password guessing (issue 5): per account and per address, in the shared leaky
 * buckets (memory, or Redis so the limit holds across instances). A throttled attempt is refused
 * before the password is checked: 429, Retry-After, the login page again.
 */
const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(options: { redisUrl?: string; trustProxy?: TrustProxy | null; mallId?: string } = {}) {
  const s = await startServer(options.redisUrl ? { config: { redisUrl: options.redisUrl, trustProxy: options.trustProxy ?? null } } : {});
  servers.push(s);
  const mallId = options.mallId ?? 'mall1';
  await seedMall(s, mallId);
  const app = await seedApp(s);
  return { s, mallId, app };
}

/** One login attempt in a fresh browser; returns the response. */
async function attempt(s: TestServer, mallId: string, clientId: string, userId: string, password: string, headers: Record<string, string> = {}) {
  const browser = new Browser();
  const url = authorizeUrl(s, { mallId, clientId });
  const form = readForm(await (await browser.request(url, { headers })).text(), url);
  return browser.request(form.action, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf_token: form.csrf, user_id: userId, password }).toString(),
  });
}

describe('login throttling (memory)', () => {
  test('per account: 5 attempts, then 429 with Retry-After even with the right password; one more a minute; success forgives', async () => {
    const { s, mallId, app } = await setup();
    for (let i = 0; i < 5; i++) await expectPageRefusal(await attempt(s, mallId, app.clientId, 'boss', 'wrong-password'), 401, WRONG_LOGIN);
    const throttled = await attempt(s, mallId, app.clientId, 'boss', PASSWORD);
    await expectLoginThrottled(throttled, 60);
    // Another account from the same address is not affected.
    await expectPageRefusal(await attempt(s, mallId, app.clientId, 'helper', 'wrong-password'), 401, WRONG_LOGIN);
    s.clock.advance(60_000);
    expect((await attempt(s, mallId, app.clientId, 'boss', PASSWORD)).status).toBe(303);
    // The success emptied the account's bucket: five more tries.
    for (let i = 0; i < 5; i++) await expectPageRefusal(await attempt(s, mallId, app.clientId, 'boss', 'wrong-password'), 401, WRONG_LOGIN);
    await expectLoginThrottled(await attempt(s, mallId, app.clientId, 'boss', 'wrong-password'), 60);
    await s.ctx.audit.flush();
    const [event] = await s.store.audit.list({ type: 'login.throttled' });
    expect(event).toMatchObject({ mallId, userId: 'boss', ip: '127.0.0.1', detail: { by: 'account' } });
  });

  test('per address: 20 attempts over any accounts, then 429 for every account from that address', async () => {
    const { s, mallId, app } = await setup();
    for (let i = 0; i < 20; i++) await expectPageRefusal(await attempt(s, mallId, app.clientId, `guess${i}`, 'wrong-password'), 401, WRONG_LOGIN);
    const res = await attempt(s, mallId, app.clientId, 'boss', PASSWORD);
    await expectLoginThrottled(res, 6);
    s.clock.advance(6_000);
    expect((await attempt(s, mallId, app.clientId, 'boss', PASSWORD)).status).toBe(303);
    await s.ctx.audit.flush();
    expect((await s.store.audit.list({ type: 'login.throttled' }))[0]?.detail).toEqual({ by: 'address' });
  });
});

describe('login throttling (Redis, two instances)', () => {
  test('the account limit holds across two servers sharing Redis', async () => {
    // Fresh keys on every run: a new mall, and a new client address (behind a trusted proxy).
    const mallId = `m${randomBytes(6).toString('hex')}`;
    const ip = `10.${[...randomBytes(3)].join('.')}`;
    const redis = { redisUrl: 'redis://127.0.0.1:6379', trustProxy: { hops: 1 } };
    const a = await setup({ ...redis, mallId });
    const b = await startServer({ config: redis, clock: a.s.clock, keyPrefix: a.s.keyPrefix });
    servers.push(b);
    await seedMall(b, mallId);
    const appB = await seedApp(b);
    const via = { 'x-forwarded-for': ip };
    for (let i = 0; i < 5; i++) {
      const [s, clientId] = i % 2 === 0 ? [a.s, a.app.clientId] : [b, appB.clientId];
      await expectPageRefusal(await attempt(s, mallId, clientId, 'boss', 'wrong-password', via), 401, WRONG_LOGIN);
    }
    await expectLoginThrottled(await attempt(b, mallId, appB.clientId, 'boss', PASSWORD, via), 60);
    await expectLoginThrottled(await attempt(a.s, mallId, a.app.clientId, 'boss', PASSWORD, via), 60);
    await a.s.ctx.audit.flush();
    expect((await a.s.store.audit.list({ type: 'login.failed' }))[0]).toMatchObject({ ip });
  });
});
