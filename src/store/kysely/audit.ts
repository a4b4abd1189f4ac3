import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { AuditEvent, AuditStore } from '../types.js';

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

export class KyselyAudit implements AuditStore {
  private readonly db;

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<{ audit_events: AuditEventsTable }>();
  }

  async append(events: AuditEvent[]): Promise<void> {
    // Chunks of 500 rows (4 500 parameters): under the SQLite and PostgreSQL parameter limits.
    for (let i = 0; i < events.length; i += 500) await this.insert(events.slice(i, i + 500));
  }

  private async insert(events: AuditEvent[]): Promise<void> {
    await this.db
      .insertInto('audit_events')
      .values(
        events.map((e) => ({
          id: e.id,
          at: e.at,
          type: e.type,
          mall_id: e.mallId,
          client_id: e.clientId,
          user_id: e.userId,
          ip: e.ip,
          trace_id: e.traceId,
          detail: e.detail === null ? null : JSON.stringify(e.detail),
        })),
      )
      .execute();
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
