import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { verifyWebhook, WebhookVerificationError } from '../../src/client/index.js';
import { revokeGrants } from '../../src/registry/registry.js';
import { addSubscription, replayDelivery } from '../../src/webhooks/subscriptions.js';
import { isInternalAddress } from '../../src/webhooks/post.js';
import { WebhookWorker } from '../../src/webhooks/worker.js';
import { adminApi, tokenFor } from '../api/helpers.js';
import { authorizeCode } from '../support/browser.js';
import { seedApp, seedMall } from '../support/fixtures.js';
import { startServer, type TestServer } from '../support/server.js';
import { startReceiver } from './receiver.js';

const MIN = 60_000;
const ORDER = { buyer_name: 'Kim', receiver: { name: 'Kim', zipcode: '04524', address1: 'Seoul' }, items: [{ product_no: 1, quantity: 2 }] };
const ALL = ['mall.read_store', 'mall.read_product', 'mall.write_product', 'mall.read_order', 'mall.write_order', 'mall.read_customer', 'mall.read_application', 'mall.write_application'];

/**
 * Issue 12, delivery: real receiving servers on loopback, the worker driven by ticks of a
 * ManualClock. Signed deliveries verified by the SDK; scopes; the retry schedule; dead letters
 * and replay; uninstalling stops deliveries.
 */
describe('webhook delivery', () => {
  let s: TestServer;
  let worker: WebhookWorker;
  const receivers: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    s = await startServer();
    worker = new WebhookWorker({ store: s.store, clock: s.clock, secretSealer: s.ctx.secretSealer }, { timeoutMs: 300, disableAfter: 20, allowInternalNetworks: true });
  });
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });
  afterAll(async () => {
    await worker.stop();
    await s.close();
  });

  async function receiver(...args: Parameters<typeof startReceiver>) {
    const r = await startReceiver(...args);
    receivers.push(r);
    return r;
  }

  // Each test has its own mall, so one test's subscriptions never see another's events.
  let mallId = '';
  let malls = 0;
  beforeEach(async () => {
    mallId = `hooks${++malls}`;
    await seedMall(s, mallId);
  });

  async function installed(scopes = ALL) {
    const app = await tokenFor(s, mallId, { scopes, appScopes: ALL });
    const api = adminApi(s, mallId, app.token);
    return { ...app, api };
  }

  async function product(api: ReturnType<typeof adminApi>) {
    const res = await api.post('/products', { request: { product_name: 'Mug', price: '9000.00' } });
    expect(res.status).toBe(201);
    return res.body.product.product_no as number;
  }

  test('an order created through the Admin API reaches the subscribed app, signed; verifyWebhook accepts it and refuses a tampered body or an old timestamp', async () => {
    const r = await receiver();
    const app = await installed();
    const sub = await addSubscription(s, { clientId: app.clientId, endpointUrl: r.url, eventTypes: ['order.created'] });
    const productNo = await product(app.api);
    const created = await app.api.post('/orders', { request: { ...ORDER, items: [{ product_no: productNo, quantity: 2 }] } });
    expect(created.status).toBe(201);
    const orderId = created.body.order.order_id as string;

    expect(await worker.tick()).toBe(1);
    expect(r.received.length).toBe(1);
    const got = r.received[0]!;
    const body = JSON.parse(got.body);
    expect(body).toEqual({
      event_no: 90023,
      resource: { mall_id: mallId, event_shop_no: '1', ...created.body.order, shop_no: undefined },
    });
    expect(Object.keys(body.resource)).not.toContain('shop_no');
    expect(body.resource.order_id).toBe(orderId);
    const stamp = String(Math.floor(s.clock.now() / 1000));
    expect(got.headers['x-shopauth-timestamp']).toBe(stamp);
    expect(got.headers['x-shopauth-signature']).toBe(`v1=${createHmac('sha256', app.clientSecret).update(`${stamp}.${got.body}`).digest('hex')}`);
    expect(got.headers['x-shopauth-event-type']).toBe('order.created');
    expect(got.headers['x-cafe24-event-no']).toBe('90023');
    expect(got.headers['x-cafe24-hmac-sha256']).toBe(createHmac('sha256', app.clientSecret).update(got.body).digest('base64'));
    expect(got.headers['content-type']).toBe('application/json; charset=utf-8');

    const now = () => s.clock.now();
    const ok = verifyWebhook(got.headers, got.body, app.clientSecret, { toleranceSeconds: 300, now });
    expect(ok).toMatchObject({ timestamp: Number(stamp), eventType: 'order.created', payload: body });
    expect(ok.deliveryId).toBe(got.headers['x-trace-id']);
    const tampered = got.body.replace(orderId, `${orderId.slice(0, -1)}9`);
    expect(() => verifyWebhook(got.headers, tampered, app.clientSecret, { now })).toThrow(WebhookVerificationError);
    expect(() => verifyWebhook(got.headers, got.body, 'not-the-secret', { now })).toThrow('the webhook signature does not verify');
    const later = () => s.clock.now() + 301_000;
    expect(() => verifyWebhook(got.headers, got.body, app.clientSecret, { toleranceSeconds: 300, now: later })).toThrow('the delivery is 301 s old (at most 300)');

    const [d] = await s.store.webhooks.listDeliveries({ subscriptionId: sub.subscriptionId, limit: 10 });
    expect(d).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 200, logType: 'G' });
    expect(await worker.tick()).toBe(0);
    expect(r.received.length).toBe(1);
  });

  test('an app without the scope gets nothing; nor with reception off', async () => {
    const r = await receiver();
    const writer = await installed();
    const blind = await installed(['mall.read_product', 'mall.write_product']);
    const sub = await addSubscription(s, { clientId: blind.clientId, endpointUrl: r.url, eventTypes: ['order.created', 'product.created'] });
    const productNo = await product(writer.api);
    await worker.tick();
    expect(r.received.map((x) => JSON.parse(x.body).event_no)).toEqual([90001]);
    expect((await writer.api.post('/orders', { request: { ...ORDER, items: [{ product_no: productNo, quantity: 1 }] } })).status).toBe(201);
    expect(await worker.tick()).toBe(0);
    expect(r.received.length).toBe(1);
    expect((await s.store.webhooks.listDeliveries({ subscriptionId: sub.subscriptionId, limit: 10 })).map((d) => d.eventType)).toEqual(['product.created']);
    await s.store.webhooks.setReception(mallId, 'F', s.clock.now());
    await product(writer.api);
    expect(await worker.tick()).toBe(0);
    expect(r.received.length).toBe(1);
    await s.store.webhooks.setReception(mallId, 'T', s.clock.now());
  });

  test('a receiver that answers 500 three times, then 200, gets the event at 0, 1, 6 and 36 minutes (Cafe24 schedule)', async () => {
    const r = await receiver((n) => (n < 3 ? { status: 500, body: 'down' } : { status: 200 }));
    const app = await installed();
    const sub = await addSubscription(s, { clientId: app.clientId, endpointUrl: r.url, eventTypes: ['product.created'] });
    const t0 = s.clock.now();
    const before = await worker.metrics();
    await product(app.api);
    const at: number[] = [];
    const step = async (ms: number, expected: number) => {
      s.clock.advance(ms);
      expect(await worker.tick()).toBe(expected);
    };
    await step(0, 1);
    await step(MIN - 1, 0);
    await step(1, 1);
    await step(5 * MIN - 1, 0);
    await step(1, 1);
    await step(30 * MIN - 1, 0);
    await step(1, 1);
    await step(2 * 60 * MIN, 0);
    for (const x of r.received) at.push(Number(x.headers['x-shopauth-timestamp']) * 1000 - Math.floor(t0 / 1000) * 1000);
    expect(at).toEqual([0, MIN, 6 * MIN, 36 * MIN]);
    expect(new Set(r.received.map((x) => x.body)).size).toBe(1);
    expect(new Set(r.received.map((x) => x.headers['x-shopauth-signature'])).size).toBe(4);
    const [d] = await s.store.webhooks.listDeliveries({ subscriptionId: sub.subscriptionId, limit: 1 });
    expect(d).toMatchObject({ status: 'delivered', attempts: 4, lastStatusCode: 200 });
    expect((await s.store.webhooks.attempts(d!.deliveryId)).map((a) => [a.attemptNo, a.startedAt - t0, a.outcome, a.statusCode, a.responseBody])).toEqual([
      [1, 0, 'http_error', 500, 'down'], [2, MIN, 'http_error', 500, 'down'], [3, 6 * MIN, 'http_error', 500, 'down'], [4, 36 * MIN, 'ok', 200, ''],
    ]);
    // Metrics: this worker's attempts by outcome, deliveries finished, latency; the queue from the database.
    const after = await worker.metrics();
    expect(after.attempts.http_error - before.attempts.http_error).toBe(3);
    expect(after.attempts.ok - before.attempts.ok).toBe(1);
    expect(after.finished.delivered - before.finished.delivered).toBe(1);
    expect(after.latency.count - before.latency.count).toBe(4);
    expect(after.latency.buckets.at(-1)!.count).toBeLessThanOrEqual(after.latency.count);
    expect(after.queue.due).toBe(0);
    expect(after.queue.delivered).toBeGreaterThanOrEqual(1);
  });

  test('GET /metrics shows the server worker\'s attempts, finished deliveries and latency, and the queue from the database', async () => {
    const r = await receiver();
    const app = await installed();
    await addSubscription(s, { clientId: app.clientId, endpointUrl: r.url, eventTypes: ['product.created'] });
    await product(app.api);
    expect(await s.webhooks.tick()).toBe(1);
    const res = await fetch(`${s.url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('# TYPE shopauth_webhook_attempts_total counter\n');
    expect(text).toContain('shopauth_webhook_attempts_total{outcome="ok"} 1\nshopauth_webhook_attempts_total{outcome="http_error"} 0\n');
    expect(text).toContain('shopauth_webhook_deliveries_total{status="delivered"} 1\nshopauth_webhook_deliveries_total{status="dead"} 0\n');
    expect(text).toContain('shopauth_webhook_attempt_duration_seconds_bucket{le="+Inf"} 1\n');
    expect(text).toContain('shopauth_webhook_attempt_duration_seconds_count 1\n');
    const queue = await s.store.webhooks.counts(s.clock.now());
    for (const [status, n] of Object.entries(queue)) expect(text).toContain(`shopauth_webhook_queue{status="${status}"} ${n}\n`);
    expect(queue.due).toBe(0);
  });

  test('internal addresses are refused unless allowed: a loopback receiver gets nothing, the attempt says why', async () => {
    const r = await receiver();
    const app = await installed();
    // The same receiver by IP literal and by a name that resolves to loopback (checked at connect).
    const byIp = await addSubscription(s, { clientId: app.clientId, endpointUrl: r.url, eventTypes: ['product.created'] });
    const byName = await addSubscription(s, { clientId: app.clientId, endpointUrl: r.url.replace('127.0.0.1', 'localhost'), eventTypes: ['product.created'] });
    const strict = new WebhookWorker({ store: s.store, clock: s.clock, secretSealer: s.ctx.secretSealer }, { timeoutMs: 1000 });
    await product(app.api);
    expect(await strict.tick()).toBe(2);
    expect(r.received).toEqual([]);
    for (const [sub, address] of [[byIp, '127.0.0.1'], [byName, /^(127\.0\.0\.1|::1)$/]] as const) {
      const [d] = await s.store.webhooks.listDeliveries({ subscriptionId: sub.subscriptionId, limit: 1 });
      expect(d).toMatchObject({ status: 'pending', attempts: 1 });
      const [a] = await s.store.webhooks.attempts(d!.deliveryId);
      expect(a).toMatchObject({ outcome: 'network_error', statusCode: null });
      const shown = /^the endpoint resolves to an internal address \((.+)\); set SHOPAUTH_WEBHOOK_PRIVATE_NETWORKS=allow to deliver there$/.exec(a!.error ?? '');
      expect(shown, a!.error ?? '').not.toBeNull();
      expect(shown![1]).toMatch(address);
      // Removed, so that the other tests' workers find nothing of it due later.
      expect(await s.store.webhooks.removeSubscription(sub.subscriptionId)).toBe(true);
    }
  });

  test('isInternalAddress: loopback, private, link-local, CGNAT, mapped and unique-local are internal; public ones are not', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1']) {
      expect(isInternalAddress(a), a).toBe(true);
    }
    for (const a of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8']) expect(isInternalAddress(a), a).toBe(false);
  });

  test('POD Shop: a receiver that never answers ends dead-lettered after 5 retries 10 minutes apart, and can be replayed', async () => {
    let answering = false;
    const r = await receiver(() => (answering ? { status: 204 } : 'hang'));
    const app = await installed();
    const sub = await addSubscription(s, { clientId: app.clientId, endpointUrl: r.url, eventTypes: ['order.status_changed'], dialect: 'pod' });
    const productNo = await product(app.api);
    const created = await app.api.post('/orders', { request: { ...ORDER, items: [{ product_no: productNo, quantity: 1 }] } });
    const orderId = created.body.order.order_id as string;
    const changed = await app.api.put(`/orders/${orderId}`, { request: { order_status: 'N10' } });
    expect(changed.status).toBe(200);
    expect(changed.body.order.order_status).toBe('N10');
    expect(await worker.tick()).toBe(1);
    for (let i = 0; i < 5; i++) {
      s.clock.advance(10 * MIN - 1);
      expect(await worker.tick()).toBe(0);
      s.clock.advance(1);
      expect(await worker.tick()).toBe(1);
    }
    s.clock.advance(24 * 60 * MIN);
    expect(await worker.tick()).toBe(0);
    expect(r.received.length).toBe(6);
    const body = JSON.parse(r.received[0]!.body);
    expect(body).toEqual({ hookId: expect.stringMatching(/^[0-9a-f]{24}$/), eventTime: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/), webHookType: 'IN_PRODUCTION', data: { orderId, orderCode: null, orderStatus: 'N10' } });
    expect(r.received[0]!.headers['x-podshop-hook-id']).toBe(body.hookId);
    expect(r.received[0]!.headers['x-podshop-webhook-type']).toBe('IN_PRODUCTION');
    const [dead] = await s.store.webhooks.listDeliveries({ subscriptionId: sub.subscriptionId, limit: 1 });
    expect(dead).toMatchObject({ status: 'dead', attempts: 6, lastStatusCode: null, lastError: 'no answer within 300 ms' });
    expect((await s.store.webhooks.getSubscription(sub.subscriptionId))!.failureStreak).toBe(1);

    answering = true;
    const again = await replayDelivery(s, dead!.deliveryId);
    expect(again).toMatchObject({ logType: 'R', body: dead!.body, status: 'pending', attempts: 0 });
    expect(await worker.tick()).toBe(1);
    expect(r.received[6]!.body).toBe(r.received[0]!.body);
    expect(await s.store.webhooks.getDelivery(again.deliveryId)).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 204 });
    expect((await s.store.webhooks.getSubscription(sub.subscriptionId))!.failureStreak).toBe(0);
  });

  test('installing the app tells it (app.installed, 90076) in the transaction of the consent', async () => {
    const r = await receiver();
    const app = await seedApp(s, { scopes: ALL });
    await addSubscription(s, { clientId: app.clientId, endpointUrl: r.url, eventTypes: ['app.installed'] });
    await authorizeCode(s, { mallId, clientId: app.clientId, scope: 'mall.read_application' });
    expect(await worker.tick()).toBe(1);
    expect(JSON.parse(r.received[0]!.body)).toEqual({ event_no: 90076, resource: { mall_id: mallId, event_shop_no: '1', client_id: app.clientId, user_id: 'boss' } });
    // A second consent is no new install.
    await authorizeCode(s, { mallId, clientId: app.clientId, scope: 'mall.read_application' });
    expect(await worker.tick()).toBe(0);
  });

  test('uninstalling the app stops its deliveries at once: queued ones are cancelled; it gets app.uninstalled only', async () => {
    const r = await receiver();
    const app = await installed();
    await addSubscription(s, { clientId: app.clientId, endpointUrl: r.url, eventTypes: ['product.created', 'app.uninstalled'] });
    await product(app.api);
    await product(app.api);
    await revokeGrants({ store: s.store, clock: s.clock, hasher: s.ctx.hasher }, { mallId, clientId: app.clientId });
    expect(await worker.tick()).toBe(1);
    expect(r.received.map((x) => JSON.parse(x.body))).toEqual([{ event_no: 90077, resource: { mall_id: mallId, event_shop_no: '1', client_id: app.clientId } }]);
    expect(r.received[0]!.headers['x-shopauth-event-type']).toBe('app.uninstalled');
    const writer = await installed();
    await product(writer.api);
    expect(await worker.tick()).toBe(0);
    expect(r.received.length).toBe(1);
  });
});
