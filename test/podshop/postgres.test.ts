import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ProductInput } from '../../src/store/shop-types.js';
import { pgSchemaUrl } from '../support/dialects.js';
import { basic, seedMall } from '../support/fixtures.js';
import { startServer, type TestServer } from '../support/server.js';
import { BEARER_INVALID, DOES_NOT_EXIST, expectPod401, post, seedCredentials, type PodTokens } from './support.js';

/** The POD Shop flow end to end on PostgreSQL: token, refresh, reuse, orders (with orderCode and storeCustomerId), revocation. */
describe('POD Shop dialect on PostgreSQL', () => {
  let s: TestServer;
  let drop: () => Promise<void>;
  let auth: string;
  let clientId: string;
  beforeAll(async () => {
    const pg = pgSchemaUrl();
    drop = pg.drop;
    s = await startServer({ db: pg.url });
    await seedMall(s, 'mall1');
    const product: ProductInput = { customProductCode: '', productName: 'Mug', engProductName: '', modelName: '', price: 1_000_000, retailPrice: 0, supplyPrice: 0, display: 'T', selling: 'T', summaryDescription: '', stockQuantity: 1 };
    await s.store.shop.products.create('mall1', [product], s.clock.now());
    await s.store.shop.customers.create('mall1', [{
      memberId: 'member1', name: 'Member', email: 'm@example.com', cellphone: '', gender: null, birthday: null, groupNo: 1, sms: 'F', newsMail: 'F', createdAt: s.clock.now(),
    }]);
    const creds = await seedCredentials(s, 'mall1');
    clientId = creds.clientId;
    auth = basic(creds.clientId, creds.clientKey);
  });
  afterAll(async () => {
    await s.close();
    await drop();
  });

  test('token, refresh by the example\'s path, reuse revokes the family', async () => {
    const a = (await (await post(`${s.url}/ac/oauth/ext/token`, auth)).json()) as PodTokens;
    expect(a).toMatchObject({ token_type: 'bearer', expires_in: 3599, refresh_expires_in: 1209599 });
    const b = await post(`${s.url}/ac/oauth/external/${clientId}/refresh?refreshToken=${a.refresh_token}`, auth);
    expect(b.status).toBe(200);
    const bt = (await b.json()) as PodTokens;
    const again = await post(`${s.url}/ac/oauth/external/${clientId}/refresh?refreshToken=${a.refresh_token}`, auth);
    expect(await again.json()).toEqual({ status: 401, error: 'this token does not exist' });
    const list = await fetch(`${s.url}/ac/api/external/orders`, { headers: { authorization: `bearer ${bt.access_token}` } });
    await expectPod401(list, DOES_NOT_EXIST, BEARER_INVALID);
  });

  test('orders: created whole, listed with x-total-count; a reused orderCode writes nothing', async () => {
    const order = (orderCode: string) => ({ orderCode, orderEntries: [{ projectId: 1, quantity: 1 }], shippingAddress: { recipient: 'Kim', postcode: '06236', address: 'Seoul' } });
    const created = await post(`${s.url}/ac/api/external/orders`, auth, { json: { orders: [order('PG-1'), order('PG-2')] } });
    expect(created.status).toBe(200);
    const dup = await post(`${s.url}/ac/api/external/orders`, auth, { json: { orders: [order('PG-3'), order('PG-1')] } });
    expect(dup.status).toBe(400);
    expect(await dup.json()).toMatchObject({ field: 'orders[1].orderCode' });
    const list = await fetch(`${s.url}/ac/api/external/orders?pageNo=0&pageSize=10`, { headers: { authorization: auth } });
    expect(list.headers.get('x-total-count')).toBe('2');
    expect(((await list.json()) as { orderCode: string; paymentAmount: number }[]).map((o) => [o.orderCode, o.paymentAmount])).toEqual([['PG-1', 10000], ['PG-2', 10000]]);
  });

  test('storeCustomerId: kept as sent (64 characters of any script), a member_id links the order, anything else is a guest order', async () => {
    const order = (orderCode: string, storeCustomerId: string) => ({ orderCode, storeCustomerId, orderEntries: [{ projectId: 1, quantity: 1 }], shippingAddress: { recipient: 'Kim', postcode: '06236', address: 'Seoul' } });
    const ids = ['member1', 'f47ac10b-58cc-4372-a567-0e02b2c3d479', '😀'.repeat(64), `${'가'.repeat(62)}'"`];
    const created = await post(`${s.url}/ac/api/external/orders`, auth, { json: { orders: ids.map((id, i) => order(`SC-${i}`, id)) } });
    expect(created.status).toBe(200);
    const { orders } = (await created.json()) as { orders: { orderId: string; storeCustomerId: string }[] };
    expect(orders.map((o) => o.storeCustomerId)).toEqual(ids);
    expect(await Promise.all(orders.map(async (o) => (await s.store.shop.orders.get('mall1', o.orderId))?.memberId))).toEqual(['member1', null, null, null]);
    const list = await fetch(`${s.url}/ac/api/external/orders?pageNo=0&pageSize=10`, { headers: { authorization: auth } });
    expect(((await list.json()) as { orderCode: string; storeCustomerId: string | null }[]).slice(2).map((o) => [o.orderCode, o.storeCustomerId])).toEqual(ids.map((id, i) => [`SC-${i}`, id]));
    const tooLong = await post(`${s.url}/ac/api/external/orders`, auth, { json: { orders: [order('SC-9', '😀'.repeat(65))] } });
    expect(tooLong.status).toBe(400);
    expect(await tooLong.json()).toEqual({ errorKey: 'invalidParameter', title: 'Bad Request', status: 400, detail: 'orders[0].storeCustomerId: must be at most 64 characters', field: 'orders[0].storeCustomerId' });
  });
});
