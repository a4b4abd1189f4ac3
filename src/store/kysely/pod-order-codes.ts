import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { PodOrderCodeStore, PodOrderRef } from '../types.js';

/** The pod_order_codes table (migrations 005, 006), kept out of schema.ts: only this file reads it. */
interface PodOrderCodesTable {
  mall_id: string;
  order_code: string;
  order_id: string;
  store_customer_id: string | null;
}

export class KyselyPodOrderCodes implements PodOrderCodeStore {
  private readonly db;

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<{ pod_order_codes: PodOrderCodesTable }>();
  }

  async add(mallId: string, refs: PodOrderRef[]): Promise<boolean> {
    if (refs.length === 0) return true;
    const r = await this.db
      .insertInto('pod_order_codes')
      .values(refs.map((c) => ({ mall_id: mallId, order_code: c.orderCode, order_id: c.orderId, store_customer_id: c.storeCustomerId })))
      .onConflict((oc) => oc.columns(['mall_id', 'order_code']).doNothing())
      .returning('order_code')
      .execute();
    return r.length === refs.length;
  }

  async byCode(mallId: string, orderCodes: string[]): Promise<Map<string, string>> {
    if (orderCodes.length === 0) return new Map();
    const rows = await this.db.selectFrom('pod_order_codes').select(['order_code', 'order_id']).where('mall_id', '=', mallId).where('order_code', 'in', orderCodes).execute();
    return new Map(rows.map((r) => [r.order_code, r.order_id]));
  }

  async byOrder(mallId: string, orderIds: string[]): Promise<Map<string, PodOrderRef>> {
    if (orderIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('pod_order_codes')
      .select(['order_code', 'order_id', 'store_customer_id'])
      .where('mall_id', '=', mallId)
      .where('order_id', 'in', orderIds)
      .execute();
    return new Map(rows.map((r) => [r.order_id, { orderId: r.order_id, orderCode: r.order_code, storeCustomerId: r.store_customer_id }]));
  }
}
