import { assembleAppContext } from '../../src/app-context.js';
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { createApp, createMall } from '../../src/registry/registry.js';
import { singleKey } from '../../src/keys/server-keys.js';
import type { KyselyStore } from '../../src/store/kysely/store.js';
import type { WebhookDelivery, WebhookSubscription } from '../../src/store/webhook-types.js';
import { DIALECTS, suiteStore } from '../support/dialects.js';

/**
 * Webhook storage (migration 015) on every dialect: subscriptions, targets of a mall (installed
 * apps only), reception, the outbox, atomic claims under concurrency, attempts with retry, dead
 * letters and the failure run that disables a subscription, cancellation, counts.
 */
describe.each(DIALECTS)('webhook storage on $name', (dialect) => {
  let store: KyselyStore;
  suiteStore(dialect, (opened) => (store = opened));
  const T = 1_772_334_000_000;
  const key = singleKey(randomBytes(32));
  const deps = () => assembleAppContext({ store, clock: new ManualClock(T), keys: key });

  async function setup(mallId: string) {
    await createMall(deps(), { mallId, name: mallId });
    const { app } = await createApp(deps(), { name: 'A', appUrl: 'https://a.example/', redirectUris: ['https://a.example/cb'], scopes: ['mall.read_order', 'mall.read_product'] });
    const sub: WebhookSubscription = {
      subscriptionId: randomUUID(), clientId: app.clientId, dialect: 'cafe24', endpointUrl: 'https://a.example/hook',
      eventTypes: ['order.created'], status: 'enabled', failureStreak: 0, disabledAt: null, createdAt: T,
    };
    await store.webhooks.addSubscription(sub);
    return { app, sub };
  }

  const delivery = (sub: WebhookSubscription, mallId: string, eventId: string, at = T): WebhookDelivery => ({
    deliveryId: randomUUID(), eventId, subscriptionId: sub.subscriptionId, clientId: sub.clientId, mallId, eventType: 'order.created',
    logType: 'G', body: '{"event_no":90023}', status: 'pending', attempts: 0, maxAttempts: 3, nextAttemptAt: at, claimedBy: null,
    claimExpiresAt: null, lastStatusCode: null, lastLatencyMs: null, lastError: null, createdAt: at, finishedAt: null,
  });

  async function enqueue(sub: WebhookSubscription, mallId: string, count: number, at = T) {
    const out: WebhookDelivery[] = [];
    for (let i = 0; i < count; i++) {
      const eventId = randomUUID();
      const d = delivery(sub, mallId, eventId, at);
      await store.webhooks.enqueue({ eventId, mallId, type: 'order.created', data: { order_id: `o${i}` }, occurredAt: at }, [d]);
      out.push(d);
    }
    return out;
  }

  test('subscriptions: add, get, list per app, status (enabling resets the run), remove', async () => {
    const { app, sub } = await setup('wh-sub');
    expect(await store.webhooks.getSubscription(sub.subscriptionId)).toEqual(sub);
    expect(await store.webhooks.listSubscriptions(app.clientId)).toEqual([sub]);
    expect(await store.webhooks.setSubscriptionStatus(sub.subscriptionId, 'disabled', T + 5)).toBe(true);
    expect(await store.webhooks.getSubscription(sub.subscriptionId)).toEqual({ ...sub, status: 'disabled', disabledAt: T + 5 });
    expect(await store.webhooks.setSubscriptionStatus(sub.subscriptionId, 'enabled', T + 6)).toBe(true);
    expect(await store.webhooks.getSubscription(sub.subscriptionId)).toEqual(sub);
    expect(await store.webhooks.removeSubscription(sub.subscriptionId)).toBe(true);
    expect(await store.webhooks.removeSubscription(sub.subscriptionId)).toBe(false);
    expect(await store.webhooks.listSubscriptions(app.clientId)).toEqual([]);
  });

  test('targets: only apps with a live grant in the mall, with the union of granted scopes; reception T until set', async () => {
    const { app, sub } = await setup('wh-targets');
    expect(await store.webhooks.targets('wh-targets')).toEqual([]);
    const g1 = await store.grants.upsert({ grantId: randomUUID(), mallId: 'wh-targets', clientId: app.clientId, userId: 'u1', scopes: ['mall.read_order'], updatedAt: T });
    await store.grants.upsert({ grantId: randomUUID(), mallId: 'wh-targets', clientId: app.clientId, userId: 'u2', scopes: ['mall.read_product'], updatedAt: T });
    const [t] = await store.webhooks.targets('wh-targets');
    expect(t!.subscription).toEqual(sub);
    expect([...t!.scopes].sort()).toEqual(['mall.read_order', 'mall.read_product']);
    await store.grants.revoke(g1.grantId, T);
    expect((await store.webhooks.targets('wh-targets'))[0]!.scopes).toEqual(['mall.read_product']);
    await store.webhooks.setSubscriptionStatus(sub.subscriptionId, 'disabled', T);
    expect(await store.webhooks.targets('wh-targets')).toEqual([]);
    expect(await store.webhooks.reception('wh-targets')).toBe('T');
    await store.webhooks.setReception('wh-targets', 'F', T);
    expect(await store.webhooks.reception('wh-targets')).toBe('F');
    await store.webhooks.setReception('wh-targets', 'T', T + 1);
    expect(await store.webhooks.reception('wh-targets')).toBe('T');
  });

  test('the outbox is written with the transaction: a rolled back change leaves neither event nor delivery', async () => {
    const { sub } = await setup('wh-tx');
    const eventId = randomUUID();
    await expect(
      store.transaction(async (tx) => {
        await tx.webhooks.enqueue({ eventId, mallId: 'wh-tx', type: 'order.created', data: {}, occurredAt: T }, [delivery(sub, 'wh-tx', eventId)]);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await store.webhooks.getEvent(eventId)).toBeUndefined();
    expect(await store.webhooks.listDeliveries({ subscriptionId: sub.subscriptionId, limit: 10 })).toEqual([]);
  });

  test('claims: concurrent claimers get disjoint deliveries; not before due; an expired lease is claimable again', async () => {
    const { sub } = await setup('wh-claim');
    const made = await enqueue(sub, 'wh-claim', 12);
    await enqueue(sub, 'wh-claim', 1, T + 60_000);
    const claims = await Promise.all(['w1', 'w2', 'w3', 'w4'].map((w) => store.webhooks.claim(w, T, 5, 30_000)));
    const ids = claims.flat().map((d) => d.deliveryId);
    expect(ids.length).toBe(12);
    expect(new Set(ids)).toEqual(new Set(made.map((d) => d.deliveryId)));
    expect(await store.webhooks.claim('w5', T + 29_999, 50, 30_000)).toEqual([]);
    const again = await store.webhooks.claim('w5', T + 30_000, 50, 60_000);
    expect(again.length).toBe(12);
    expect(again.every((d) => d.claimedBy === 'w5' && d.claimExpiresAt === T + 90_000)).toBe(true);
    const late = await store.webhooks.claim('w6', T + 60_000, 50, 1000);
    expect(late.map((d) => d.nextAttemptAt)).toEqual([T + 60_000]);
  });

  test('finish: a failure schedules the next try and frees the claim; the last is dead; a success resets the run; a lost claim records nothing', async () => {
    const { sub } = await setup('wh-finish');
    const [d] = await enqueue(sub, 'wh-finish', 1);
    const fail = (at: number, retryAt: number | null) => ({
      attempt: { startedAt: at, outcome: 'http_error' as const, statusCode: 500, latencyMs: 12, responseBody: 'oops', error: null },
      retryAt,
      disableAfter: 2,
    });
    await store.webhooks.claim('w1', T, 100, 1000);
    expect(await store.webhooks.finish(d!.deliveryId, 'w2', fail(T, T + 60_000))).toBe(false);
    expect(await store.webhooks.finish(d!.deliveryId, 'w1', fail(T, T + 60_000))).toEqual({ status: 'pending', disabled: false });
    expect(await store.webhooks.getDelivery(d!.deliveryId)).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: T + 60_000, claimedBy: null, lastStatusCode: 500, lastLatencyMs: 12 });
    await store.webhooks.claim('w1', T + 60_000, 100, 1000);
    expect(await store.webhooks.finish(d!.deliveryId, 'w1', fail(T + 60_000, T + 120_000))).toEqual({ status: 'pending', disabled: false });
    await store.webhooks.claim('w1', T + 120_000, 100, 1000);
    expect(await store.webhooks.finish(d!.deliveryId, 'w1', fail(T + 120_000, T + 180_000))).toEqual({ status: 'dead', disabled: false });
    expect(await store.webhooks.getDelivery(d!.deliveryId)).toMatchObject({ status: 'dead', attempts: 3, finishedAt: T + 120_012 });
    expect((await store.webhooks.attempts(d!.deliveryId)).map((a) => [a.attemptNo, a.startedAt, a.statusCode, a.responseBody])).toEqual([
      [1, T, 500, 'oops'], [2, T + 60_000, 500, 'oops'], [3, T + 120_000, 500, 'oops'],
    ]);
    expect((await store.webhooks.getSubscription(sub.subscriptionId))!.failureStreak).toBe(1);
    // A second dead delivery in a row disables the subscription (disableAfter 2).
    const [e] = await enqueue(sub, 'wh-finish', 1, T + 200_000);
    await store.webhooks.claim('w1', T + 200_000, 100, 1000);
    expect(await store.webhooks.finish(e!.deliveryId, 'w1', fail(T + 200_000, null))).toEqual({ status: 'dead', disabled: true });
    expect(await store.webhooks.getSubscription(sub.subscriptionId)).toMatchObject({ status: 'disabled', failureStreak: 2, disabledAt: T + 200_012 });
    await store.webhooks.setSubscriptionStatus(sub.subscriptionId, 'enabled', T);
    const [f] = await enqueue(sub, 'wh-finish', 1, T + 300_000);
    await store.webhooks.claim('w1', T + 300_000, 100, 1000);
    const ok = { attempt: { startedAt: T + 300_000, outcome: 'ok' as const, statusCode: 200, latencyMs: 3, responseBody: '', error: null }, retryAt: null, disableAfter: 2 };
    expect(await store.webhooks.finish(f!.deliveryId, 'w1', ok)).toEqual({ status: 'delivered', disabled: false });
    expect((await store.webhooks.getSubscription(sub.subscriptionId))!.failureStreak).toBe(0);
  });

  test('cancelPending spares the excepted type; counts by status and due', async () => {
    const { sub } = await setup('wh-cancel');
    await enqueue(sub, 'wh-cancel', 2);
    await enqueue(sub, 'wh-cancel', 1, T + 10_000);
    const eventId = randomUUID();
    await store.webhooks.enqueue({ eventId, mallId: 'wh-cancel', type: 'app.uninstalled', data: {}, occurredAt: T }, [{ ...delivery(sub, 'wh-cancel', eventId), eventType: 'app.uninstalled' }]);
    const before = await store.webhooks.listDeliveries({ mallId: 'wh-cancel', limit: 10 });
    expect(before.length).toBe(4);
    expect(await store.webhooks.cancelPending('wh-cancel', sub.clientId, T + 1, 'app.uninstalled')).toBe(3);
    const after = await store.webhooks.listDeliveries({ mallId: 'wh-cancel', status: 'pending', limit: 10 });
    expect(after.map((d) => d.eventType)).toEqual(['app.uninstalled']);
    const counts = await store.webhooks.counts(T);
    expect(counts.cancelled).toBeGreaterThanOrEqual(3);
    expect(counts.pending).toBeGreaterThanOrEqual(1);
  });

  test('orders.setStatus (order.status_changed): the order as it now is and the status it had; unknown order undefined', async () => {
    await createMall(deps(), { mallId: 'wh-status', name: 'S' });
    const [o] = await store.shop.orders.create('wh-status', [{
      memberId: null, buyerName: 'Kim', buyerEmail: '', buyerCellphone: '', orderStatus: 'N00', paid: 'F', currency: 'KRW',
      receiver: { name: 'Kim', zipcode: '04524', address1: 'Seoul', address2: '', cellphone: '', countryCode: 'KR' },
      orderPriceAmount: 100, shippingFee: 0, paymentAmount: 100, orderedAt: T, items: [{ productNo: 1, productCode: 'P0000001', productName: 'Mug', quantity: 1, productPrice: 100 }],
    }], (seq) => `20260301-${String(seq).padStart(7, '0')}`);
    const changed = await store.shop.orders.setStatus('wh-status', o!.orderId, 'N30');
    expect(changed).toEqual({ order: { ...o, orderStatus: 'N30' }, previous: 'N00' });
    expect((await store.shop.orders.get('wh-status', o!.orderId))!.orderStatus).toBe('N30');
    expect(await store.shop.orders.setStatus('wh-status', '20260301-9999999', 'N30')).toBeUndefined();
    expect(await store.shop.orders.setStatus('wh-other', o!.orderId, 'N30')).toBeUndefined();
  });

  test.runIf(dialect.name === 'postgres')('PostgreSQL: a claim does not wait for rows another open transaction has locked (SKIP LOCKED)', async () => {
    const { sub } = await setup('wh-skip');
    const at = T + 10_000_000;
    // Earlier tests' deliveries out of the way (held for a long time), so only these four are claimable.
    await store.webhooks.claim('drain', at, 1000, 1e12);
    const made = await enqueue(sub, 'wh-skip', 4, at);
    const ours = new Set(made.map((d) => d.deliveryId));
    let resolveHeld!: () => void;
    const held = new Promise<void>((ok) => (resolveHeld = ok));
    let inside: string[] = [];
    let outside: string[] = [];
    // One transaction claims two and stays open while another claimer runs: it must get the other two at once.
    await store.transaction(async (tx) => {
      inside = (await tx.webhooks.claim('holder', at, 2, 60_000)).map((d) => d.deliveryId).filter((id) => ours.has(id));
      outside = (await store.webhooks.claim('other', at, 100, 60_000)).map((d) => d.deliveryId).filter((id) => ours.has(id));
      resolveHeld();
    });
    await held;
    expect(inside.length).toBe(2);
    expect(outside.length).toBe(2);
    expect(new Set([...inside, ...outside])).toEqual(ours);
  });
});
