import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { verifyWebhook } from '../../src/client/index.js';
import { openStore } from '../../src/store/kysely/store.js';
import { addSubscription } from '../../src/webhooks/subscriptions.js';
import { tokenFor } from '../api/helpers.js';
import { BIN } from '../support/cli.js';
import { pgSchemaUrl } from '../support/dialects.js';
import { seedMall } from '../support/fixtures.js';
import { startServer } from '../support/server.js';
import { startReceiver, type Answer } from './receiver.js';

/**
 * Issue 12, delivery across processes (bin/shopauth.js from dist/: `npm run build` first): a
 * server killed with SIGKILL in the middle of a delivery delivers after restart (the state is in
 * the database; the dead process's claim ends with its lease), and two servers on one PostgreSQL
 * deliver each event once (claims FOR UPDATE SKIP LOCKED).
 */
const KEY = 'w8Hc2nT5yQ1pL0aZr7Xv4bK9mE3sJ6uD0fG2hN5qW1c';
const SCOPES = ['mall.read_product', 'mall.write_product', 'mall.read_order', 'mall.write_order'];
const children = new Set<ChildProcess>();
const cleanups: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const f of cleanups.reverse()) await f();
});

/** `shopauth serve` on a free port with the worker polling fast; resolves with its base URL once it listens. */
function serve(db: string, env: Record<string, string>): Promise<{ url: string; child: ChildProcess; exited: Promise<unknown> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--db', db, '--log-level', 'warn'], {
      env: { ...process.env, SHOPAUTH_SECRET: KEY, SHOPAUTH_SECRET_FILE: '', SHOPAUTH_WEBHOOK_POLL_MS: '25', SHOPAUTH_RATE_LIMIT: 'off', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.add(child);
    const exited = new Promise((done) => child.once('exit', done)).finally(() => children.delete(child));
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /listening on (http:\/\/[^\s]+)/.exec(stderr);
      if (m) resolve({ url: m[1]!, child, exited });
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
}

/** A mall with an app installed (real consent), subscribed to order.created at `endpoint`; set up in-process, then closed. */
async function setup(db: string, endpoint: string) {
  const s = await startServer({ db, config: { secret: KEY }, clock: new ManualClock(Date.now()) });
  try {
    await seedMall(s, 'proc');
    const app = await tokenFor(s, 'proc', { scopes: SCOPES, appScopes: SCOPES });
    await addSubscription(s, { clientId: app.clientId, endpointUrl: endpoint, eventTypes: ['order.created'] });
    return app;
  } finally {
    await s.close();
  }
}

async function post(base: string, token: string, path: string, body: unknown) {
  const res = await fetch(`${base}/malls/proc/api/v2/admin${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, any>;
  if (res.status !== 201) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const order = (productNo: number) => ({ request: { buyer_name: 'Kim', receiver: { name: 'Kim', zipcode: '04524', address1: 'Seoul' }, items: [{ product_no: productNo, quantity: 1 }] } });

describe('webhooks across processes', () => {
  test('a server killed with SIGKILL in the middle of a delivery delivers it after restart', { timeout: 180_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shopauth-hooks-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const db = join(dir, 'hooks.db');
    // The first request is never answered (the server dies holding it); the next is.
    const r = await startReceiver((n): Answer => (n === 0 ? 'hang' : { status: 200 }));
    cleanups.push(() => r.close());
    const app = await setup(db, r.url);

    const first = await serve(db, { SHOPAUTH_WEBHOOK_TIMEOUT_MS: '120000', SHOPAUTH_WEBHOOK_LEASE_MS: '2000' });
    const productNo = (await post(first.url, app.token, '/products', { request: { product_name: 'Mug', price: '9000.00' } })).product.product_no as number;
    const orderId = (await post(first.url, app.token, '/orders', order(productNo))).order.order_id as string;
    await r.next(1);
    first.child.kill('SIGKILL');
    await first.exited;

    const store = await openStore(db);
    cleanups.push(() => store.close());
    const [held] = await store.webhooks.listDeliveries({ clientId: app.clientId, limit: 10 });
    expect(held).toMatchObject({ status: 'pending', attempts: 0, claimedBy: expect.any(String) });

    await serve(db, { SHOPAUTH_WEBHOOK_TIMEOUT_MS: '10000' });
    await r.next(2);
    expect(r.received[1]!.body).toBe(r.received[0]!.body);
    expect(r.received[1]!.headers['x-shopauth-event-id']).toBe(r.received[0]!.headers['x-shopauth-event-id']);
    const hook = verifyWebhook<{ resource: { order_id: string } }>(r.received[1]!.headers, r.received[1]!.body, app.clientSecret);
    expect(hook.payload.resource.order_id).toBe(orderId);
    // Recorded once the second server's attempt is (its answer came before its write).
    for (let i = 0; i < 200 && (await store.webhooks.getDelivery(held!.deliveryId))!.status === 'pending'; i++) await new Promise((ok) => setTimeout(ok, 25));
    expect(await store.webhooks.getDelivery(held!.deliveryId)).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 200 });
  });

  test('two servers on one PostgreSQL deliver each event once', { timeout: 180_000 }, async () => {
    const pg = pgSchemaUrl();
    cleanups.push(pg.drop);
    const r = await startReceiver(() => ({ status: 200 }));
    cleanups.push(() => r.close());
    const app = await setup(pg.url, r.url);
    const env = { SHOPAUTH_WEBHOOK_BATCH: '3' };
    const [a, b] = await Promise.all([serve(pg.url, env), serve(pg.url, env)]);
    const productNo = (await post(a.url, app.token, '/products', { request: { product_name: 'Mug', price: '9000.00' } })).product.product_no as number;
    const N = 40;
    const ids = await Promise.all(Array.from({ length: N }, async (_, i) => (await post(i % 2 ? a.url : b.url, app.token, '/orders', order(productNo))).order.order_id as string));
    await r.next(N);
    const store = await openStore(pg.url);
    cleanups.push(() => store.close());
    for (let i = 0; i < 200 && (await store.webhooks.counts(Date.now())).pending > 0; i++) await new Promise((ok) => setTimeout(ok, 25));
    const deliveries = await store.webhooks.listDeliveries({ clientId: app.clientId, limit: 100 });
    expect(deliveries.length).toBe(N);
    expect(deliveries.every((d) => d.status === 'delivered' && d.attempts === 1)).toBe(true);
    expect(r.received.length).toBe(N);
    const got = r.received.map((x) => (JSON.parse(x.body) as { resource: { order_id: string } }).resource.order_id);
    expect(new Set(got).size).toBe(N);
    expect(new Set(got)).toEqual(new Set(ids));
  });
});
