import type { Kysely } from 'kysely';

// The audit log of security events (issue 5). No secrets: ids, names, addresses, reasons only.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('audit_events')
    // Time-ordered text id (see store/kysely/audit.ts): sorts like insertion on both dialects.
    .addColumn('id', 'varchar(48)', (c) => c.primaryKey())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('type', 'varchar(48)', (c) => c.notNull())
    .addColumn('mall_id', 'varchar(64)')
    .addColumn('client_id', 'varchar(64)')
    .addColumn('user_id', 'varchar(64)')
    .addColumn('ip', 'varchar(64)')
    .addColumn('trace_id', 'varchar(64)')
    .addColumn('detail', 'text')
    .execute();
  await db.schema.createIndex('audit_events_mall').on('audit_events').columns(['mall_id', 'id']).execute();
}
