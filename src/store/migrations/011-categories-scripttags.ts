import type { Kysely } from 'kysely';

/**
 * Issue 16, part one: categories of a mall and the products in them (Cafe24's `category` links);
 * scripttags, each owned by the app that made it (or by the sample data); and an app's own setting of the Admin API's
 * usage layer (calls and processing time per window; absent: the server's default).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('categories')
    .addColumn('mall_id', 'varchar(64)', (c) => c.notNull().references('malls.mall_id').onDelete('cascade'))
    .addColumn('category_no', 'integer', (c) => c.notNull())
    .addColumn('parent_category_no', 'integer', (c) => c.notNull())
    .addColumn('category_depth', 'integer', (c) => c.notNull())
    .addColumn('category_name', 'varchar(50)', (c) => c.notNull())
    .addColumn('display_type', 'varchar(1)', (c) => c.notNull())
    .addColumn('use_display', 'varchar(1)', (c) => c.notNull())
    .addColumn('use_main', 'varchar(1)', (c) => c.notNull())
    .addColumn('display_order', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('categories_pk', ['mall_id', 'category_no'])
    .execute();
  await db.schema.createIndex('categories_parent').on('categories').columns(['mall_id', 'parent_category_no']).execute();
  await db.schema
    .createTable('product_categories')
    .addColumn('mall_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('product_no', 'integer', (c) => c.notNull())
    .addColumn('category_no', 'integer', (c) => c.notNull())
    .addColumn('recommend', 'varchar(1)', (c) => c.notNull())
    .addColumn('new', 'varchar(1)', (c) => c.notNull())
    .addPrimaryKeyConstraint('product_categories_pk', ['mall_id', 'product_no', 'category_no'])
    .addForeignKeyConstraint('product_categories_product', ['mall_id', 'product_no'], 'products', ['mall_id', 'product_no'], (fk) => fk.onDelete('cascade'))
    .addForeignKeyConstraint('product_categories_category', ['mall_id', 'category_no'], 'categories', ['mall_id', 'category_no'], (fk) => fk.onDelete('cascade'))
    .execute();
  await db.schema.createIndex('product_categories_category').on('product_categories').columns(['mall_id', 'category_no', 'product_no']).execute();
  await db.schema
    .createTable('scripttags')
    .addColumn('mall_id', 'varchar(64)', (c) => c.notNull().references('malls.mall_id').onDelete('cascade'))
    .addColumn('script_no', 'varchar(20)', (c) => c.notNull())
    // No foreign key: the sample data's tags belong to no app (SAMPLE_SCRIPTTAG_OWNER).
    .addColumn('client_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('src', 'varchar(2048)', (c) => c.notNull())
    .addColumn('display_location', 'text', (c) => c.notNull())
    .addColumn('exclude_path', 'text', (c) => c.notNull())
    .addColumn('skin_no', 'text', (c) => c.notNull())
    .addColumn('integrity', 'varchar(200)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('scripttags_pk', ['mall_id', 'script_no'])
    .execute();
  await db.schema.createIndex('scripttags_app').on('scripttags').columns(['mall_id', 'client_id']).execute();
  await db.schema
    .createTable('app_usage_limits')
    .addColumn('client_id', 'varchar(64)', (c) => c.primaryKey().references('apps.client_id').onDelete('cascade'))
    .addColumn('usage_limit', 'varchar(40)', (c) => c.notNull())
    .execute();
}
