import type { Kysely } from 'kysely';

/**
 * Issue 16, part two: a product's options (name and values, in order) and its variants, one per
 * combination of option values, each with its inventory (Cafe24: variant_code = the product code
 * and 4 more characters; the inventory's quantity, safety stock and how it is controlled).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('product_options')
    .addColumn('mall_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('product_no', 'integer', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('option_name', 'varchar(50)', (c) => c.notNull())
    .addColumn('option_values', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('product_options_pk', ['mall_id', 'product_no', 'position'])
    .addForeignKeyConstraint('product_options_product', ['mall_id', 'product_no'], 'products', ['mall_id', 'product_no'], (fk) => fk.onDelete('cascade'))
    .execute();
  await db.schema
    .createTable('variants')
    .addColumn('mall_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('product_no', 'integer', (c) => c.notNull())
    .addColumn('variant_code', 'varchar(12)', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('option_values', 'text', (c) => c.notNull())
    .addColumn('custom_variant_code', 'varchar(40)', (c) => c.notNull())
    .addColumn('display', 'varchar(1)', (c) => c.notNull())
    .addColumn('selling', 'varchar(1)', (c) => c.notNull())
    .addColumn('additional_amount', 'bigint', (c) => c.notNull())
    .addColumn('use_inventory', 'varchar(1)', (c) => c.notNull())
    .addColumn('important_inventory', 'varchar(1)', (c) => c.notNull())
    .addColumn('inventory_control_type', 'varchar(1)', (c) => c.notNull())
    .addColumn('display_soldout', 'varchar(1)', (c) => c.notNull())
    .addColumn('quantity', 'integer', (c) => c.notNull())
    .addColumn('safety_inventory', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('variants_pk', ['mall_id', 'variant_code'])
    .addForeignKeyConstraint('variants_product', ['mall_id', 'product_no'], 'products', ['mall_id', 'product_no'], (fk) => fk.onDelete('cascade'))
    .execute();
  await db.schema.createIndex('variants_product_position').on('variants').columns(['mall_id', 'product_no', 'position']).execute();
}
