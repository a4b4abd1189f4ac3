import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { AuditEvent, AuditStore } from '../types.js';
import { PreparedInsert } from './prepared.js';
import { atomic } from './rows.js';

/** The audit_events table (migration 004), kept out of schema.ts: only this file reads it. */
interface AuditEventsTable {
  id: string;
  at: number;
  type: string;
  mall_id: string | null;
  client_id: string | null;
  user_id: string | null;
  ip: string | null;
  trace_id: string | null;
  detail: string | null;
}

type AuditTables = Database & { audit_events: AuditEventsTable };

const toRow = (e: AuditEvent): AuditEventsTable => ({
  id: e.id,
  at: e.at,
  type: e.type,
  mall_id: e.mallId,
  client_id: e.clientId,
  user_id: e.userId,
  ip: e.ip,
  trace_id: e.traceId,
  detail: e.detail === null ? null : JSON.stringify(e.detail),
});

const insert = new PreparedInsert<AuditEventsTable, AuditTables>((db, rows) => db.insertInto('audit_events').values(rows));

/**
 * Rows in chunks of 256, 64, 16, 4 and 1 (store/kysely/prepared.ts compiles one INSERT per chunk
 * size, not per batch size); 256 rows are 2 304 parameters, under both dialects' limits.
 */
async function insertChunks(db: Kysely<AuditTables>, rows: AuditEventsTable[]): Promise<void> {
  let at = 0;
  for (const size of [256, 64, 16, 4, 1]) {
    for (; rows.length - at >= size; at += size) await insert.execute(db, rows.slice(at, at + size));
  }
}

export class KyselyAudit implements AuditStore {
  private readonly db;

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<{ audit_events: AuditEventsTable }>();
  }

  async append(events: AuditEvent[]): Promise<void> {
    const rows = events.map(toRow);
    if (rows.length <= 1) return insert.execute(this.db, rows);
    // Several statements, one transaction: all land (in one commit) or none.
    return atomic(this.db, (db) => insertChunks(db, rows));
  }

  async list(filter: { mallId?: string; type?: string; limit?: number } = {}): Promise<AuditEvent[]> {
    let q = this.db.selectFrom('audit_events').selectAll();
    if (filter.mallId !== undefined) q = q.where('mall_id', '=', filter.mallId);
    if (filter.type !== undefined) q = q.where('type', '=', filter.type);
    const rows = await q.orderBy('id', 'desc').limit(filter.limit ?? 100).execute();
    return rows.map((r) => ({
      id: r.id,
      at: r.at,
      type: r.type,
      mallId: r.mall_id,
      clientId: r.client_id,
      userId: r.user_id,
      ip: r.ip,
      traceId: r.trace_id,
      detail: r.detail === null ? null : (JSON.parse(r.detail) as AuditEvent['detail']),
    }));
  }
}
