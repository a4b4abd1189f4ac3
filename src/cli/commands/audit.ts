import { loadConfig } from '../../config.js';
import { openStore } from '../../store/kysely/store.js';
import type { AuditEvent } from '../../store/types.js';
import { parse, result, str, UsageError, type CliIO } from '../io.js';

const line = (e: AuditEvent): string =>
  [
    new Date(e.at).toISOString(),
    e.type.padEnd(22),
    e.mallId !== null ? `mall=${e.mallId}` : '',
    e.clientId !== null ? `client=${e.clientId}` : '',
    e.userId !== null ? `user=${e.userId}` : '',
    e.ip !== null ? `ip=${e.ip}` : '',
    e.detail !== null ? Object.entries(e.detail).map(([k, v]) => `${k}=${/[\s"]/.test(String(v)) ? JSON.stringify(v) : String(v)}`).join(' ') : '',
    e.traceId !== null ? `trace_id=${e.traceId}` : '',
  ]
    .filter(Boolean)
    .join('  ');

/** `shopauth audit [--mall M] [--type T] [--limit N] [--json]`: security events, newest first. */
export async function auditCommand(args: string[], io: CliIO): Promise<number> {
  const p = parse(args, { mall: { type: 'string' }, type: { type: 'string' }, limit: { type: 'string' } });
  const limitText = str(p, 'limit') ?? '100';
  const limit = Number(limitText);
  if (!/^\d{1,6}$/.test(limitText) || limit < 1) throw new UsageError('--limit must be a positive integer');
  const config = loadConfig({ db: str(p, 'db') });
  const store = await openStore(config.db);
  try {
    const mall = str(p, 'mall');
    const type = str(p, 'type');
    const events = await store.audit.list({ limit, ...(mall !== undefined ? { mallId: mall } : {}), ...(type !== undefined ? { type } : {}) });
    const json = events.map((e) => ({
      id: e.id,
      at: new Date(e.at).toISOString(),
      type: e.type,
      mall_id: e.mallId,
      client_id: e.clientId,
      user_id: e.userId,
      ip: e.ip,
      trace_id: e.traceId,
      detail: e.detail,
    }));
    result(io, p.values.json as boolean, { events: json }, events.length ? events.map(line).join('\n') : 'no audit events');
    return 0;
  } finally {
    await store.close();
  }
}
