import type { Kysely } from 'kysely';

/**
 * POD Shop's `storeCustomerId` (wire.md, POD Shop Orders): the client's own reference to its
 * customer, kept as sent next to the orderCode (docs/podshop.md). Null for orders created before
 * this migration, whose member_id is what they sent.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('pod_order_codes').addColumn('store_customer_id', 'varchar(64)').execute();
}
