import type { Kysely } from 'kysely';

/**
 * Client secrets kept for App URL launches (wire.md: the launch's hmac is keyed with the app's
 * client secret), sealed with AES-256-GCM under a key derived from the server key, the client_id
 * as associated data (operator-console/app-launch.ts). Apps registered before this have no row.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('app_secrets')
    .addColumn('client_id', 'varchar(64)', (c) => c.primaryKey().references('apps.client_id').onDelete('cascade'))
    .addColumn('sealed_secret', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}
