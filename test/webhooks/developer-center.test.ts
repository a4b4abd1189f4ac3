import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WebhookWorker } from '../../src/webhooks/worker.js';
import { Browser, expectPageRefusal } from '../support/browser.js';
import { startServer, type TestServer } from '../support/server.js';
import { startReceiver } from './receiver.js';

/**
 * Issue 12 in the developer center: a subscription added on the app's page; its page lists
 * recent deliveries (status, attempts, response code, latency) with "send again" and "send test
 * event"; a subscription disabled after a run of failures says so and can be enabled again.
 */
let s: TestServer;
let worker: WebhookWorker;
beforeAll(async () => {
  s = await startServer();
  worker = new WebhookWorker({ store: s.store, clock: s.clock, secretSealer: s.ctx.secretSealer }, { timeoutMs: 1000, disableAfter: 1, allowInternalNetworks: true });
});
afterAll(() => s.close());

const csrfOf = (html: string) => /name="csrf_token" value="([^"]*)"/.exec(html)![1]!;
const MIN = 60_000;

describe('developer center webhooks', () => {
  test('add a subscription, send a test event, see the delivery, send it again; disabled after failures, enabled again', async () => {
    let failing = false;
    const r = await startReceiver(() => (failing ? { status: 500 } : { status: 200, body: 'ok' }));
    try {
      const b = new Browser();
      const signup = await (await b.get(`${s.url}/developers/signup`)).text();
      expect((await b.post(`${s.url}/developers/signup`, { email: 'hooks@example.com', name: 'Hook Dev', password: 'long enough 1', csrf_token: csrfOf(signup) })).status).toBe(303);
      const form = await (await b.get(`${s.url}/developers/apps/new`)).text();
      const made = await b.post(`${s.url}/developers/apps`, {
        csrf_token: csrfOf(form), name: 'Hooked', app_url: 'https://hooked.example/', redirect_uris: 'https://hooked.example/cb', scope: 'mall.read_order', client_type: 'confidential', app_type: 'web',
      });
      expect(made.status).toBe(200);
      const appHtml = await made.text();
      const clientId = /<code id="client-id">([^<]+)<\/code>/.exec(appHtml)![1]!;
      expect(appHtml).toContain('<h2>Webhooks</h2>');
      expect(appHtml).toContain('No subscriptions yet.');

      const bad = await b.post(`${s.url}/developers/apps/${clientId}/webhooks`, { csrf_token: csrfOf(appHtml), endpoint_url: 'http://evil.example/', event_type: 'order.created', dialect: 'cafe24' });
      expect(bad.status).toBe(400);
      expect(await bad.text()).toContain('endpoint_url must be https (or http on loopback: 127.0.0.1, [::1] or localhost)');
      const forged = await b.post(`${s.url}/developers/apps/${clientId}/webhooks`, { csrf_token: 'forged', endpoint_url: r.url, event_type: 'order.created', dialect: 'cafe24' });
      expect(forged.status).toBe(403);
      expect(await s.store.webhooks.listSubscriptions(clientId)).toEqual([]);

      const added = await b.post(`${s.url}/developers/apps/${clientId}/webhooks`, { csrf_token: csrfOf(appHtml), endpoint_url: r.url, event_type: 'order.created', dialect: 'cafe24' });
      expect(added.status).toBe(200);
      const hookHtml = await added.text();
      expect(hookHtml).toContain('The subscription is added.');
      expect(hookHtml).toContain(`<code id="endpoint">${r.url}</code>`);
      expect(hookHtml).toContain('Nothing delivered yet.');
      const [sub] = await s.store.webhooks.listSubscriptions(clientId);
      const hookUrl = `${s.url}/developers/apps/${clientId}/webhooks/${sub!.subscriptionId}`;

      const tested = await b.post(`${hookUrl}/test`, { csrf_token: csrfOf(hookHtml) });
      expect(tested.status).toBe(200);
      expect(await tested.text()).toContain('A test event is queued');
      expect(await worker.tick()).toBe(1);
      expect(JSON.parse(r.received[0]!.body)).toMatchObject({ event_no: 90023, resource: { test: 'T' } });
      const listed = await (await b.get(hookUrl)).text();
      const row = /<tr data-delivery="([0-9a-f]{24})">(.*?)<\/tr>/s.exec(listed)!;
      expect(row[2]).toMatch(/<td><code>order\.created<\/code><\/td><td>T<\/td><td>delivered<\/td><td>1<\/td><td>200<\/td><td>\d+ ms<\/td>/);

      const resent = await b.post(`${hookUrl}/deliveries/${row[1]}/resend`, { csrf_token: csrfOf(listed) });
      expect(resent.status).toBe(200);
      const after = await resent.text();
      expect(after).toContain('Queued to be sent again.');
      expect(after).toMatch(/<td>R<\/td><td>pending<\/td><td>0<\/td><td>-<\/td><td>-<\/td>/);
      expect(await worker.tick()).toBe(1);
      expect(r.received[1]!.body).toBe(r.received[0]!.body);

      // Every try fails: after the last (Cafe24 schedule) it is dead and, at disableAfter 1, the subscription is disabled.
      failing = true;
      await b.post(`${hookUrl}/test`, { csrf_token: csrfOf(after) });
      for (const wait of [0, 1, 5, 30, 120, 360]) {
        s.clock.advance(wait * MIN);
        expect(await worker.tick()).toBe(1);
      }
      // Hours went by: the session ended; sign in again.
      const login = await (await b.get(`${s.url}/developers`)).text();
      expect((await b.post(`${s.url}/developers/login`, { email: 'hooks@example.com', password: 'long enough 1', csrf_token: csrfOf(login) })).status).toBe(303);
      const disabled = await (await b.get(hookUrl)).text();
      expect(disabled).toContain('<dd id="hook-status">Disabled</dd>');
      expect(disabled).toMatch(/Disabled on \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC after 1 deliveries in a row failed every try/);
      expect(disabled).toMatch(/<td>T<\/td><td>dead<\/td><td>6<\/td><td>500<\/td>/);
      expect(await (await b.get(`${s.url}/developers/apps/${clientId}`)).text()).toContain('Fix the endpoint, then enable it again.');
      const enabled = await b.post(`${hookUrl}/enable`, { csrf_token: csrfOf(disabled) });
      expect(await enabled.text()).toContain('<dd id="hook-status">Enabled</dd>');

      const other = new Browser();
      const f2 = await (await other.get(`${s.url}/developers/signup`)).text();
      await other.post(`${s.url}/developers/signup`, { email: 'other@example.com', name: 'O', password: 'long enough 1', csrf_token: csrfOf(f2) });
      await expectPageRefusal(await other.get(hookUrl), 404, 'not_found: no such app'); // another developer's app is as good as none
    } finally {
      await r.close();
    }
  });
});
