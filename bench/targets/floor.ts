/**
 * What every floor target shares (docs/performance.md, Floors): a private copy of the run's SQLite
 * template (shopauth's tables, indexes and rows) opened with plain better-sqlite3 in WAL mode at
 * the `synchronous` level shopauth itself runs with (read from it by bench/seed.ts; BENCH_SYNCHRONOUS
 * overrides), shopauth's keyed hash (HMAC-SHA256 under the same server key), Basic parsing, and a
 * node:http server. A floor is the measuring stick, not product code: the plain way, no batching.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { announce, type Scenario } from '../child.js';
import { copyTemplate, readSeed, SERVER_SECRET } from '../seed.js';

export const seed = readSeed();
const dir = mkdtempSync(join(process.env.BENCH_DB_DIR ?? tmpdir(), 'floor-bench-'));
const file = copyTemplate(dir);
export const db: Database.Database = new Database(file);
db.pragma('journal_mode = WAL');
export const synchronous = process.env.BENCH_SYNCHRONOUS ?? seed.synchronous;
db.pragma(`synchronous = ${synchronous}`);
const key = Buffer.from(hkdfSync('sha256', Buffer.from(SERVER_SECRET, 'hex'), Buffer.alloc(0), 'shopauth server key v2', 32));
const kid = createHmac('sha256', key).update('shopauth key id').digest('base64url').slice(0, 8);
/** shopauth's SecretHasher.hash: the key id, ".", HMAC-SHA256(purpose + secret) in base64url. */
export const hash = (secret: string, purpose = ''): string => `${kid}.${createHmac('sha256', key).update(purpose).update(secret).digest('base64url')}`;
export const hashEquals = (a: string, b: string): boolean => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** `Authorization: Basic base64(id:secret)`. */
export function basicOf(header: string | undefined): { id: string; secret: string } | undefined {
  if (!header?.startsWith('Basic ')) return undefined;
  const text = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 1 ? undefined : { id: text.slice(0, colon), secret: text.slice(colon + 1) };
}

const appById = db.prepare<[string], { secret_hash: string | null; kind: string; mall_id: string | null; scopes: string; revoked_at: number | null }>(
  'select secret_hash, kind, mall_id, scopes, revoked_at from apps where client_id = ?',
);
/** The live app or credentials of these Basic credentials, of this kind, else undefined. */
export function authenticate(header: string | undefined, kind: 'app' | 'credentials') {
  const basic = basicOf(header);
  const app = basic && appById.get(basic.id);
  if (!basic || !app || app.kind !== kind || app.revoked_at !== null || app.secret_hash === null) return undefined;
  return hashEquals(hash(basic.secret, 'client'), app.secret_hash) ? { clientId: basic.id, mallId: app.mall_id, scopes: JSON.parse(app.scopes) as string[] } : undefined;
}

/** The mall's UTC offset, once (the bench mall's zone, Asia/Seoul, has no DST). */
const offsetMs = ((at) => Date.parse(`${new Date(at).toLocaleString('sv-SE', { timeZone: seed.timezone }).replace(' ', 'T')}Z`) - at)(Math.floor(Date.now() / 1000) * 1000);
/** Cafe24's local time, "2026-03-01T14:00:00.000". */
export const localTime = (ms: number): string => new Date(ms + offsetMs).toISOString().slice(0, 23);
const hhmm = (min: number) => `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;
const zone = `${offsetMs < 0 ? '-' : '+'}${hhmm(Math.abs(offsetMs) / 60_000)}`;
/** The Admin API's ISO 8601 with offset, "2026-03-01T14:00:00+09:00". */
export const isoLocal = (ms: number): string => localTime(ms).slice(0, 19) + zone;
export const JSON_TYPE = 'application/json; charset=utf-8';
export const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

export function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Serves `handle` on a loopback port and announces the scenario (the request the generator repeats). */
export function serveFloor(
  handle: (req: IncomingMessage, body: string, res: ServerResponse) => void,
  scenario: Omit<Scenario, 'port' | 'note' | 'files'>,
  note: string,
  engine: { label: string; files: string[]; close: () => Promise<void> } = { label: `better-sqlite3, synchronous=${synchronous}`, files: [file, `${file}-wal`], close: async () => {} },
): void {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, Buffer.concat(chunks).toString('utf8'), res));
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const close = () => new Promise<void>((resolve) => server.close(() => (db.close(), rmSync(dir, { recursive: true, force: true }), resolve()))).then(engine.close);
    announce({ ...scenario, port, files: engine.files, note: `floor (node:http + ${engine.label}): ${note}` }, close);
  });
}
