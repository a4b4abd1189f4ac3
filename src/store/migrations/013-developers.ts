import type { Kysely } from 'kysely';

/**
 * The developer center (issue 11): developer accounts (scrypt password, the platform-admin flag,
 * the sandbox mall of "test run"); which developer owns which app; and the previous client secret
 * of an app whose secret was rotated with a grace period (its keyed hash and when it stops).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('developers')
    .addColumn('developer_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('email', 'varchar(254)', (c) => c.notNull().unique())
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('platform_admin', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('sandbox_mall_id', 'varchar(64)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('app_owners')
    .addColumn('client_id', 'varchar(64)', (c) => c.primaryKey().references('apps.client_id').onDelete('cascade'))
    .addColumn('developer_id', 'varchar(64)', (c) => c.notNull().references('developers.developer_id').onDelete('cascade'))
    .execute();
  await db.schema.createIndex('app_owners_developer').on('app_owners').column('developer_id').execute();
  await db.schema
    .createTable('app_previous_secrets')
    .addColumn('client_id', 'varchar(64)', (c) => c.primaryKey().references('apps.client_id').onDelete('cascade'))
    .addColumn('secret_hash', 'varchar(128)', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
}
