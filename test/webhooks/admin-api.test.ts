import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WebhookWorker } from '../../src/webhooks/worker.js';
import { adminApi, tokenFor } from '../api/helpers.js';
import { seedMall } from '../support/fixtures.js';
import { expectRefusal, type ReadAnswer } from '../support/oauth.js';
import { startServer, type TestServer } from '../support/server.js';
import { startReceiver } from './receiver.js';

const APP_SCOPES = ['mall.read_product', 'mall.write_product', 'mall.read_order', 'mall.read_application', 'mall.write_application'];

/** An Admin API refusal whole (admin-api.md, Errors): the status and the Cafe24 error body with this answer's trace id. */
const expectApiError = (ans: ReadAnswer, status: number, message: string, headers: Record<string, string | null> = {}) =>
  expectRefusal(ans, status, { error: { code: status, message, more_info: {}, trace_id: ans.headers.get('x-trace-id') } }, headers);

/**
 * Issue 12, the Admin API: Cafe24's webhooks/setting (reception_status) and webhooks/logs
 * (log_type G/R/T, trace_id, the receiver's answer) under mall.read_application /
 * mall.write_application, and the calling app's subscriptions with resend and test events.
 */
describe('webhooks in the Admin API', () => {
  let s: TestServer;
  let worker: WebhookWorker;
  let r: Awaited<ReturnType<typeof startReceiver>>;
  let app: Awaited<ReturnType<typeof tokenFor>>;
  let api: ReturnType<typeof adminApi>;

  beforeAll(async () => {
    s = await startServer();
    await seedMall(s, 'apimall');
    worker = new WebhookWorker({ store: s.store, clock: s.clock, secretSealer: s.ctx.secretSealer }, { timeoutMs: 1000, allowInternalNetworks: true });
    r = await startReceiver((n) => ({ status: 200, body: `thanks ${n}` }));
    app = await tokenFor(s, 'apimall', { scopes: APP_SCOPES, appScopes: APP_SCOPES });
    api = adminApi(s, 'apimall', app.token);
  });
  afterAll(async () => {
    await r.close();
    await s.close();
  });

  test('webhooks/setting: GET and PUT reception_status in Cafe24 shape; off means nothing is queued; the scope is enforced', async () => {
    expect(await api.get('/webhooks/setting')).toMatchObject({ status: 200, body: { webhook: { shop_no: 1, scopes: ['mall.read_order', 'mall.read_product', 'mall.read_application'], reception_status: 'T' } } });
    const sub = await api.post('/webhooks/subscriptions', { request: { endpoint_url: r.url, event_types: ['product.created'] } });
    expect(sub.status).toBe(201);
    const off = await api.put('/webhooks/setting', { request: { reception_status: 'F' } });
    expect(off).toMatchObject({ status: 200, body: { webhook: { reception_status: 'F' } } });
    expect((await api.get('/webhooks/setting')).body.webhook.reception_status).toBe('F');
    expect((await api.post('/products', { request: { product_name: 'Cup', price: '1000' } })).status).toBe(201);
    expect(await worker.tick()).toBe(0);
    await expectApiError(await api.put('/webhooks/setting', { request: { reception_status: 'X' } }), 422, 'request.reception_status must be one of "T", "F"');
    expect((await api.put('/webhooks/setting', { request: { reception_status: 'T' } })).body.webhook.reception_status).toBe('T');
    expect((await api.delete(`/webhooks/subscriptions/${sub.body.subscription.subscription_id}`)).status).toBe(200);

    const reader = await tokenFor(s, 'apimall', { scopes: ['mall.read_product'], appScopes: APP_SCOPES });
    const denied = await adminApi(s, 'apimall', reader.token).get('/webhooks/setting');
    await expectApiError(denied, 403, 'this call needs the scope mall.read_application', { 'www-authenticate': 'Bearer realm="shopauth", error="insufficient_scope", scope="mall.read_application"' });
  });

  test('subscriptions: create (https or loopback http only, known types), list, disable, enable, delete; another app sees none of them', async () => {
    const bad = await api.post('/webhooks/subscriptions', { request: { endpoint_url: 'http://hooks.example/x', event_types: ['order.created'] } });
    await expectApiError(bad, 422, 'endpoint_url must be https (or http on loopback: 127.0.0.1, [::1] or localhost)');
    await expectApiError(
      await api.post('/webhooks/subscriptions', { request: { endpoint_url: r.url, event_types: ['order.shipped'] } }),
      422,
      'request.event_types[0] must be one of "order.created", "order.status_changed", "product.created", "product.updated", "product.deleted", "customer.created", "app.installed", "app.uninstalled"',
    );
    const pod = await api.post('/webhooks/subscriptions', { request: { endpoint_url: r.url, event_types: ['product.created'], dialect: 'pod' } });
    await expectApiError(pod, 422, 'event_types: product.created is not an event type of the pod dialect (order.status_changed)');
    const made = await api.post('/webhooks/subscriptions', { request: { endpoint_url: 'https://hooks.example/in', event_types: ['order.created', 'product.deleted'] } });
    expect(made.status).toBe(201);
    const id = made.body.subscription.subscription_id as string;
    expect(made.body.subscription).toEqual({
      subscription_id: expect.stringMatching(/^[0-9a-f]{24}$/), endpoint_url: 'https://hooks.example/in', event_types: ['order.created', 'product.deleted'],
      dialect: 'cafe24', status: 'enabled', failure_streak: 0, disabled_date: null, created_date: '2026-03-01T12:00:00+09:00',
    });
    expect((await api.get('/webhooks/subscriptions')).body.subscriptions).toEqual([made.body.subscription]);
    expect((await api.put(`/webhooks/subscriptions/${id}`, { request: { status: 'disabled' } })).body.subscription).toMatchObject({ status: 'disabled', disabled_date: '2026-03-01T12:00:00+09:00' });
    expect((await api.put(`/webhooks/subscriptions/${id}`, { request: { status: 'enabled' } })).body.subscription).toMatchObject({ status: 'enabled', disabled_date: null });
    const other = await tokenFor(s, 'apimall', { scopes: APP_SCOPES, appScopes: APP_SCOPES });
    const otherApi = adminApi(s, 'apimall', other.token);
    expect((await otherApi.get('/webhooks/subscriptions')).body).toEqual({ subscriptions: [] });
    await expectApiError(await otherApi.delete(`/webhooks/subscriptions/${id}`), 404, `no webhook subscription ${id}`);
    expect(await api.delete(`/webhooks/subscriptions/${id}`)).toMatchObject({ status: 200, body: { subscription: { subscription_id: id } } });
    await expectApiError(await api.delete(`/webhooks/subscriptions/${id}`), 404, `no webhook subscription ${id}`);
  });

  test('webhooks/logs: a delivery with its trace_id and the receiver\'s answer; resend (R) and test (T) are logged and filtered by log_type', async () => {
    const sub = await api.post('/webhooks/subscriptions', { request: { endpoint_url: r.url, event_types: ['product.created'] } });
    const id = sub.body.subscription.subscription_id as string;
    const before = r.received.length;
    expect((await api.post('/products', { request: { product_name: 'Plate', price: '2000' } })).status).toBe(201);
    expect(await worker.tick()).toBe(1);
    const seen = r.received[before]!;
    const logs = await api.get('/webhooks/logs');
    expect(logs.status).toBe(200);
    const [log] = logs.body.logs;
    expect(log).toEqual({
      log_id: seen.headers['x-trace-id'], log_type: 'G', event_no: 90001, event_type: 'product.created', mall_id: 'apimall',
      trace_id: seen.headers['x-trace-id'], requested_time: '2026-03-01T12:00:00+09:00', request_endpoint: r.url, request_body: seen.body,
      success: 'T', status: 'delivered', attempts: 1, next_attempt_time: null, response_time: expect.stringMatching(/^2026-03-01T12:00:0\d\+09:00$/),
      response_http_code: 200, response_body: `thanks ${before}`, response_latency_ms: expect.any(Number), error: null,
    });
    const resent = await api.post(`/webhooks/logs/${log.log_id}/resend`, {});
    expect(resent.status).toBe(201);
    expect(resent.body.log).toMatchObject({ log_type: 'R', success: 'F', status: 'pending', attempts: 0, request_body: seen.body });
    const tested = await api.post(`/webhooks/subscriptions/${id}/test`, {});
    expect(tested.status).toBe(201);
    expect(tested.body.log).toMatchObject({ log_type: 'T', event_no: 90001 });
    expect(await worker.tick()).toBe(2);
    // Sent concurrently: in either order.
    const bodies = r.received.slice(before + 1).map((x) => JSON.parse(x.body));
    expect(bodies).toHaveLength(2);
    expect(bodies).toContainEqual(JSON.parse(seen.body));
    expect(bodies).toContainEqual({ event_no: 90001, resource: { mall_id: 'apimall', event_shop_no: '1', test: 'T' } });
    expect((await api.get('/webhooks/logs?log_type=R')).body.logs.map((l: { log_id: string; success: string }) => [l.log_id, l.success])).toEqual([[resent.body.log.log_id, 'T']]);
    expect((await api.get('/webhooks/logs?log_type=T')).body.logs.length).toBe(1);
    expect((await api.get('/webhooks/logs?success=T&limit=2')).body.logs.length).toBe(2);
    expect((await api.get('/webhooks/logs?event_no=90023')).body.logs).toEqual([]);
    expect((await api.get('/webhooks/logs?requested_start_date=2026-03-02')).body.logs).toEqual([]);
    expect((await api.get('/webhooks/logs?requested_start_date=2026-03-01&requested_end_date=2026-03-01')).body.logs.length).toBe(3);
    await expectApiError(await api.get('/webhooks/logs?log_type=Z'), 422, 'log_type must be one of "G", "R", "T"');
    await expectApiError(await api.post('/webhooks/logs/000000000000000000000000/resend', {}), 404, 'log 000000000000000000000000 does not exist');
  });
});
