import type { Kysely } from 'kysely';

/**
 * Shop data behind the Admin API (issue 4): products, customers, orders and their items, each
 * scoped to a mall. Numbers a mall hands out (product_no, order sequence) come from
 * shop_counters, one row per (mall, name), bumped atomically. Money is integer hundredths
 * (BIGINT), shown as a decimal string with two places ("15000.00") on both dialects.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('shop_counters')
    .addColumn('mall_id', 'varchar(64)', (c) => c.notNull().references('malls.mall_id').onDelete('cascade'))
    .addColumn('name', 'varchar(32)', (c) => c.notNull())
    .addColumn('value', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('shop_counters_pk', ['mall_id', 'name'])
    .execute();
  await db.schema
    .createTable('products')
    .addColumn('mall_id', 'varchar(64)', (c) => c.notNull().references('malls.mall_id').onDelete('cascade'))
    .addColumn('product_no', 'integer', (c) => c.notNull())
    .addColumn('product_code', 'varchar(8)', (c) => c.notNull())
    .addColumn('custom_product_code', 'varchar(40)', (c) => c.notNull())
    .addColumn('product_name', 'varchar(250)', (c) => c.notNull())
    .addColumn('eng_product_name', 'varchar(250)', (c) => c.notNull())
    .addColumn('model_name', 'varchar(100)', (c) => c.notNull())
    .addColumn('price', 'bigint', (c) => c.notNull())
    .addColumn('retail_price', 'bigint', (c) => c.notNull())
    .addColumn('supply_price', 'bigint', (c) => c.notNull())
    .addColumn('display', 'varchar(1)', (c) => c.notNull())
    .addColumn('selling', 'varchar(1)', (c) => c.notNull())
    .addColumn('summary_description', 'varchar(255)', (c) => c.notNull())
    .addColumn('stock_quantity', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('products_pk', ['mall_id', 'product_no'])
    .addUniqueConstraint('products_code', ['mall_id', 'product_code'])
    .execute();
  await db.schema
    .createTable('customers')
    .addColumn('mall_id', 'varchar(64)', (c) => c.notNull().references('malls.mall_id').onDelete('cascade'))
    .addColumn('member_id', 'varchar(20)', (c) => c.notNull())
    .addColumn('name', 'varchar(100)', (c) => c.notNull())
    .addColumn('email', 'varchar(255)', (c) => c.notNull())
    .addColumn('cellphone', 'varchar(20)', (c) => c.notNull())
    .addColumn('gender', 'varchar(1)')
    .addColumn('birthday', 'varchar(10)')
    .addColumn('group_no', 'integer', (c) => c.notNull())
    .addColumn('sms', 'varchar(1)', (c) => c.notNull())
    .addColumn('news_mail', 'varchar(1)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('customers_pk', ['mall_id', 'member_id'])
    .execute();
  await db.schema.createIndex('customers_created').on('customers').columns(['mall_id', 'created_at']).execute();
  await db.schema
    .createTable('orders')
    .addColumn('mall_id', 'varchar(64)', (c) => c.notNull().references('malls.mall_id').onDelete('cascade'))
    .addColumn('order_id', 'varchar(20)', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('member_id', 'varchar(20)')
    .addColumn('buyer_name', 'varchar(100)', (c) => c.notNull())
    .addColumn('buyer_email', 'varchar(255)', (c) => c.notNull())
    .addColumn('buyer_cellphone', 'varchar(20)', (c) => c.notNull())
    .addColumn('receiver_name', 'varchar(100)', (c) => c.notNull())
    .addColumn('receiver_zipcode', 'varchar(14)', (c) => c.notNull())
    .addColumn('receiver_address1', 'varchar(255)', (c) => c.notNull())
    .addColumn('receiver_address2', 'varchar(255)', (c) => c.notNull())
    .addColumn('receiver_cellphone', 'varchar(20)', (c) => c.notNull())
    .addColumn('receiver_country_code', 'varchar(2)', (c) => c.notNull())
    .addColumn('order_status', 'varchar(3)', (c) => c.notNull())
    .addColumn('paid', 'varchar(1)', (c) => c.notNull())
    .addColumn('currency', 'varchar(3)', (c) => c.notNull())
    .addColumn('order_price_amount', 'bigint', (c) => c.notNull())
    .addColumn('shipping_fee', 'bigint', (c) => c.notNull())
    .addColumn('payment_amount', 'bigint', (c) => c.notNull())
    .addColumn('ordered_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('orders_pk', ['mall_id', 'order_id'])
    .addUniqueConstraint('orders_seq', ['mall_id', 'seq'])
    .execute();
  await db.schema.createIndex('orders_ordered').on('orders').columns(['mall_id', 'ordered_at']).execute();
  await db.schema
    .createTable('order_items')
    .addColumn('mall_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('order_id', 'varchar(20)', (c) => c.notNull())
    .addColumn('item_no', 'integer', (c) => c.notNull())
    .addColumn('product_no', 'integer', (c) => c.notNull())
    .addColumn('product_code', 'varchar(8)', (c) => c.notNull())
    .addColumn('product_name', 'varchar(250)', (c) => c.notNull())
    .addColumn('quantity', 'integer', (c) => c.notNull())
    .addColumn('product_price', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('order_items_pk', ['mall_id', 'order_id', 'item_no'])
    .addForeignKeyConstraint('order_items_order', ['mall_id', 'order_id'], 'orders', ['mall_id', 'order_id'], (fk) => fk.onDelete('cascade'))
    .execute();
}
