import type { Compilable, CompiledQuery, DialectAdapter, Kysely, QueryResult } from 'kysely';
import { syncReadsOf } from '../dialects/sqlite.js';
import type { Database } from '../schema.js';

/** Stand-ins for parameters while kysely builds the query; never a real value (NUL-led). */
const MARK = '\u0000param:';

/** Where each compiled parameter comes from: a named argument, a row's column, or a constant of the query. */
type Slot = { name: string } | { row: number; column: string } | { value: unknown };

interface Compiled {
  query: CompiledQuery;
  slots: Slot[];
}

/** Compiles once per dialect adapter (kysely's SQL differs: `?` on SQLite, `$1` on PostgreSQL). */
class PerDialect<DB> {
  private readonly byAdapter = new WeakMap<DialectAdapter, Compiled>();

  constructor(private readonly build: (db: Kysely<DB>) => Compilable<unknown>) {}

  get(db: Kysely<DB>, adapter: DialectAdapter): Compiled {
    let compiled = this.byAdapter.get(adapter);
    if (!compiled) {
      const query = this.build(db).compile();
      const slots = query.parameters.map((value): Slot => {
        if (typeof value !== 'string' || !value.startsWith(MARK)) return { value };
        const name = value.slice(MARK.length);
        const row = /^(\d+):(.+)$/.exec(name);
        return row ? { row: Number(row[1]), column: row[2]! } : { name };
      });
      compiled = { query, slots };
      this.byAdapter.set(adapter, compiled);
    }
    return compiled;
  }
}

const run = <R, DB>(db: Kysely<DB>, { query }: Compiled, parameters: unknown[]): Promise<QueryResult<R>> =>
  db.executeQuery<R>({ query: query.query, queryId: query.queryId, sql: query.sql, parameters });

/**
 * A hot query built and compiled by kysely once per dialect, then executed with fresh parameters
 * (docs/performance.md: building and compiling the immutable query tree cost more than the
 * indexed lookup itself). kysely stays the one dialect seam: the SQL is its output; the SQLite
 * driver then reuses its prepared statement.
 *
 * `build` receives `p`, whose properties stand for the named parameters:
 * `new Prepared<{ hash: string }, Row>((db, p) => db.selectFrom('tokens').selectAll().where('token_hash', '=', p.hash))`.
 * Constants of the query (`'refresh'`) stay as compiled.
 */
export class Prepared<P extends object, R, DB = Database> {
  private readonly perDialect: PerDialect<DB>;

  constructor(build: (db: Kysely<DB>, p: P) => Compilable<R>) {
    const marks = new Proxy({}, { get: (_target, name) => `${MARK}${String(name)}` }) as P;
    this.perDialect = new PerDialect((db) => build(db, marks));
  }

  async first(db: Kysely<DB>, params: P): Promise<R | undefined> {
    const rows = this.rows(db, params);
    return (Array.isArray(rows) ? rows : await rows)[0];
  }

  all(db: Kysely<DB>, params: P): Promise<R[]> {
    const rows = this.rows(db, params);
    return Array.isArray(rows) ? Promise.resolve(rows) : rows;
  }

  /** The rows at once where SQLite can answer synchronously, else through kysely's executor. */
  private rows(db: Kysely<DB>, params: P): R[] | Promise<R[]> {
    const adapter = db.getExecutor().adapter;
    const compiled = this.perDialect.get(db, adapter);
    const args = params as Record<string, unknown>;
    const parameters = compiled.slots.map((s) => ('name' in s ? args[s.name] : 'value' in s ? s.value : undefined));
    // Outside a transaction, SQLite may answer a read at once (store/dialects/sqlite.ts).
    const rows = db.isTransaction ? undefined : syncReadsOf(adapter)?.readNow(compiled.query.sql, parameters);
    return (rows as R[] | undefined) ?? run<R, DB>(db, compiled, parameters).then((r) => r.rows);
  }
}

/**
 * A multi-row INSERT, compiled once per row count and dialect: each row's values bound by column
 * straight from the rows given. Rows are of one shape (a row mapper's output): the columns are
 * the first row's keys. `build` receives stand-in rows to pass to `values()`.
 */
export class PreparedInsert<Row extends object, DB = Database> {
  private readonly byCount = new Map<number, PerDialect<DB>>();

  constructor(private readonly build: (db: Kysely<DB>, rows: Row[]) => Compilable<unknown>) {}

  async execute(db: Kysely<DB>, rows: readonly Row[]): Promise<void> {
    if (rows.length === 0) return;
    let perDialect = this.byCount.get(rows.length);
    if (!perDialect) {
      const columns = Object.keys(rows[0]!);
      const marks = Array.from({ length: rows.length }, (_, i) => Object.fromEntries(columns.map((c) => [c, `${MARK}${i}:${c}`])) as Row);
      perDialect = new PerDialect((kysely) => this.build(kysely, marks));
      // Callers insert a few fixed counts (a token pair, audit chunks); anything else is not kept.
      if (this.byCount.size < 16) this.byCount.set(rows.length, perDialect);
    }
    const compiled = perDialect.get(db, db.getExecutor().adapter);
    const values = rows as readonly Record<string, unknown>[];
    await run(db, compiled, compiled.slots.map((s) => ('row' in s ? values[s.row]![s.column] : 'value' in s ? s.value : undefined)));
  }
}
