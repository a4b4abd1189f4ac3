import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sendTestEvent } from '../../src/webhooks/subscriptions.js';
import { runCli, runCliJson } from '../support/cli.js';
import { seedApp, seedMall } from '../support/fixtures.js';
import { startServer, type TestServer } from '../support/server.js';

/** `shopauth webhooks add|list|remove|replay` (bin/shopauth.js from dist/: `npm run build` first). */
let dir: string;
let db: string;
let s: TestServer;
let clientId: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shopauth-webhooks-cli-'));
  db = join(dir, 'hooks.db');
  s = await startServer({ db });
  await seedMall(s, 'mall1');
  clientId = (await seedApp(s)).clientId;
});
afterAll(async () => {
  await s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('shopauth webhooks', () => {
  test('add, list with recent deliveries, replay one, remove; bad input exits 1 and says why', async () => {
    const added = await runCliJson<{ subscription_id: string }>(['webhooks', 'add', clientId, '--url', 'https://hooks.example/in', '--events', 'order.created,product.created', '--db', db]);
    expect(added).toEqual({
      subscription_id: expect.stringMatching(/^[0-9a-f]{24}$/), client_id: clientId, dialect: 'cafe24', endpoint_url: 'https://hooks.example/in',
      event_types: ['order.created', 'product.created'], status: 'enabled', failure_streak: 0, disabled_at: null, created_at: expect.any(String),
    });
    const bad = await runCli(['webhooks', 'add', clientId, '--url', 'http://hooks.example/in', '--events', 'order.created', '--db', db]);
    expect(bad).toMatchObject({ code: 1, stderr: 'shopauth: endpoint_url must be https (or http on loopback: 127.0.0.1, [::1] or localhost)\n' });
    expect((await runCli(['webhooks', 'add', clientId, '--url', 'https://h.example', '--db', db])).code).toBe(2);

    // A delivery to replay: one test event, written as the server would.
    const sub = (await s.store.webhooks.getSubscription(added.subscription_id))!;
    const sent = await sendTestEvent(s, sub, 'mall1');
    const listed = await runCliJson<{ subscriptions: { subscription_id: string; deliveries: { delivery_id: string; log_type: string }[] }[] }>(['webhooks', 'list', clientId, '--db', db]);
    expect(listed.subscriptions.map((x) => x.subscription_id)).toEqual([added.subscription_id]);
    expect(listed.subscriptions[0]!.deliveries).toEqual([
      { delivery_id: sent.deliveryId, event_id: sent.eventId, mall_id: 'mall1', event_type: 'order.created', log_type: 'T', status: 'pending', attempts: 0, next_attempt_at: expect.any(String), last_status_code: null },
    ]);
    const replayed = await runCliJson<{ delivery_id: string; event_id: string; log_type: string }>(['webhooks', 'replay', sent.deliveryId, '--db', db]);
    expect(replayed).toMatchObject({ event_id: sent.eventId, log_type: 'R', status: 'pending' });
    expect((await s.store.webhooks.getDelivery(replayed.delivery_id))!.body).toBe(sent.body);
    expect(await runCli(['webhooks', 'replay', '000000000000000000000000', '--db', db])).toMatchObject({ code: 1, stderr: 'shopauth: no webhook delivery 000000000000000000000000\n' });

    const removed = await runCli(['webhooks', 'remove', added.subscription_id, '--db', db]);
    expect(removed).toMatchObject({ code: 0, stdout: `removed webhook subscription ${added.subscription_id} of ${clientId}\n` });
    expect(await runCliJson(['webhooks', 'list', '--db', db])).toEqual({ subscriptions: [] });
  });
});
