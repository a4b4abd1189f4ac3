import type { Kysely } from 'kysely';

/**
 * POD Shop's `orderCode` (the integrator's own order id, wire.md POD Shop Orders) for orders
 * created through /ac/api/external/orders: unique per mall, pointing at the shop order.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('pod_order_codes')
    .addColumn('mall_id', 'varchar(64)', (c) => c.notNull().references('malls.mall_id').onDelete('cascade'))
    .addColumn('order_code', 'varchar(64)', (c) => c.notNull())
    .addColumn('order_id', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('pod_order_codes_pk', ['mall_id', 'order_code'])
    .execute();
  await db.schema.createIndex('pod_order_codes_order').on('pod_order_codes').columns(['mall_id', 'order_id']).execute();
}
