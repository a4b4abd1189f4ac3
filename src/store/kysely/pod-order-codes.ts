import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { PodOrderCodeStore } from '../types.js';

/** The pod_order_codes table (migration 005), kept out of schema.ts: only this file reads it. */
interface PodOrderCodesTable {
  mall_id: string;
  order_code: string;
  order_id: string;
}

export class KyselyPodOrderCodes implements PodOrderCodeStore {
  private readonly db;

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<{ pod_order_codes: PodOrderCodesTable }>();
  }

  async add(mallId: string, codes: { orderCode: string; orderId: string }[]): Promise<boolean> {
    if (codes.length === 0) return true;
    const r = await this.db
      .insertInto('pod_order_codes')
      .values(codes.map((c) => ({ mall_id: mallId, order_code: c.orderCode, order_id: c.orderId })))
      .onConflict((oc) => oc.columns(['mall_id', 'order_code']).doNothing())
      .returning('order_code')
      .execute();
    return r.length === codes.length;
  }

  async byCode(mallId: string, orderCodes: string[]): Promise<Map<string, string>> {
    if (orderCodes.length === 0) return new Map();
    const rows = await this.db.selectFrom('pod_order_codes').select(['order_code', 'order_id']).where('mall_id', '=', mallId).where('order_code', 'in', orderCodes).execute();
    return new Map(rows.map((r) => [r.order_code, r.order_id]));
  }

  async byOrder(mallId: string, orderIds: string[]): Promise<Map<string, string>> {
    if (orderIds.length === 0) return new Map();
    const rows = await this.db.selectFrom('pod_order_codes').select(['order_code', 'order_id']).where('mall_id', '=', mallId).where('order_id', 'in', orderIds).execute();
    return new Map(rows.map((r) => [r.order_id, r.order_code]));
  }
}
