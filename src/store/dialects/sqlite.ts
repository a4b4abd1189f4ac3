import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve as absolutePath } from 'node:path';
import { Worker } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import {
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type QueryResult,
} from 'kysely';

/**
 * The embedded default: one better-sqlite3 file in WAL mode, behind kysely's SQLite compiler and
 * adapter but with its own driver, for speed (docs/performance.md):
 *
 * - Statements are prepared once per SQL text and reused, so the hot paths never re-parse SQL.
 * - Group commit. A COMMIT costs more than the work it commits: WAL frames written one syscall
 *   each, lock syscalls, and pages (table leaves, the audit table, append-only indexes) that every
 *   transaction touches again. So writes share one outer transaction (`BEGIN IMMEDIATE`, the
 *   batch), committed once per event-loop turn. Each `store.transaction` is a unit of work in it,
 *   under a SAVEPOINT: a unit that fails rolls back to its savepoint and nothing else. Units run
 *   one at a time (a FIFO lock; SQLite has one writer anyway), and a unit's promise, like an
 *   autocommit write's, resolves only once the batch's COMMIT has succeeded: nobody is told
 *   "done" before it is durable, and if the COMMIT fails every unit in it fails. `temp_store =
 *   MEMORY` keeps the savepoints' undo records in memory (they spilled to temp files on disk).
 * - Reads outside a unit are answered synchronously (`SyncReads`), and checkpoints run on a
 *   worker thread (`CHECKPOINTER`).
 *
 * Durability (issue 15, item 4): `synchronous = FULL`, so each COMMIT fsyncs the WAL before it
 * returns; a power loss cannot undo an answer already sent (a revocation coming back to life, a
 * rotation vanishing). Group commit spreads that one fsync over the whole batch.
 *
 * Reads outside a unit never see a unit that may still fail to commit (issue 9, crash safety): on
 * a file they run on a second, read-only connection, which sees committed data only (WAL
 * readers do not wait for the writer); on `:memory:`, which has no second connection, they wait
 * until the open batch has committed. Other connections (the CLI, other processes) see only
 * committed data and wait for the write lock at most one batch; this driver waits for theirs
 * without blocking the event loop.
 */
export function sqliteDialect(path: string): Dialect {
  const driver = new GroupCommitDriver(path);
  return {
    createAdapter: () => new SyncReadingAdapter(driver),
    createDriver: () => driver,
    createIntrospector: (db) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  };
}

/**
 * The one SQLite-only fast path: a read outside any transaction, when no unit of work holds the
 * connection, is answered synchronously (better-sqlite3 is synchronous), without kysely's
 * executor and its half-dozen promise hops. Anything else goes the ordinary way.
 */
export interface SyncReads {
  /** The rows of a read-only statement, or undefined: then execute it through kysely. */
  readNow(sql: string, parameters: readonly unknown[]): unknown[] | undefined;
}

class SyncReadingAdapter extends SqliteAdapter implements SyncReads {
  constructor(private readonly driver: GroupCommitDriver) {
    super();
  }

  readNow(sql: string, parameters: readonly unknown[]): unknown[] | undefined {
    return this.driver.readNow(sql, parameters);
  }
}

/** The adapter's synchronous reads, on SQLite; undefined on PostgreSQL. */
export const syncReadsOf = (adapter: DialectAdapter): SyncReads | undefined => (adapter instanceof SyncReadingAdapter ? adapter : undefined);

type Statement = BetterSqlite3.Statement<unknown[]>;

/** How long a write waits for another connection's write lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

/**
 * WAL checkpoints off the event loop. A checkpoint copies the WAL's pages into the database file
 * and fsyncs both; run inline by the committing connection (SQLite's autocheckpoint, every 1000
 * pages) it stalls every request for 10-25 ms each time (docs/performance.md). Once a store has
 * committed a few dozen batches (a server, not a one-shot CLI command), a worker thread with its
 * own connection runs a PASSIVE checkpoint (it neither waits for nor blocks the writer) every
 * 100 ms. The main connection's autocheckpoint, raised to 4000 pages, stays as the backstop and
 * restarts the WAL; it then has only the last pages to copy.
 */
const CHECKPOINTER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path);
db.pragma('synchronous = FULL');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or failed: the next tick tries again, and the writer's own autocheckpoint remains.
  }
}, workerData.everyMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;
const CHECKPOINT_EVERY_MS = 100;
const CHECKPOINTER_AFTER_BATCHES = 64;
const BACKSTOP_AUTOCHECKPOINT_PAGES = 4000;

/** One outer transaction: the units and writes that share its COMMIT. */
interface Batch {
  committed: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const committed = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A batch whose units all rolled back has nobody waiting: its failure is not unhandled.
  committed.catch(() => {});
  return { committed, resolve, reject };
}

/** First come, first served; `acquire` returns nothing when the lock was free (no promise hop). */
class Lock {
  private held = false;
  private readonly waiters: (() => void)[] = [];

  get busy(): boolean {
    return this.held;
  }

  acquire(): Promise<void> | undefined {
    if (!this.held) {
      this.held = true;
      return undefined;
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.held = false;
  }
}

class Connection implements DatabaseConnection {
  /** The batch of the unit of work this connection runs, while it runs one. */
  unit: Batch | null = null;

  constructor(private readonly driver: GroupCommitDriver) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return this.driver.execute(this, query) as Promise<QueryResult<R>>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    // Small result sets only in this code base: read whole, handed out row by row.
    const { rows } = await this.executeQuery<R>(query);
    for (const row of rows) yield { rows: [row] };
  }
}

class GroupCommitDriver implements Driver {
  private db: BetterSqlite3.Database | undefined;
  /** Reads outside units of work, committed data only (a file; none for :memory:). */
  private reader: BetterSqlite3.Database | undefined;
  private readonly statements = new Map<string, Statement>();
  private readonly readerStatements = new Map<string, Statement>();
  /** Held by a unit of work from BEGIN to its end, and by the COMMIT of a batch. */
  private readonly lock = new Lock();
  private batch: Batch | null = null;
  private commits = 0;
  private checkpointer: { worker: Worker; exited: Promise<unknown> } | undefined;

  constructor(private readonly path: string) {}

  async init(): Promise<void> {
    if (this.path !== ':memory:') mkdirSync(dirname(this.path), { recursive: true });
    const db = new BetterSqlite3(this.path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('foreign_keys = ON');
    db.pragma('temp_store = MEMORY');
    this.db = db;
    if (this.path !== ':memory:') {
      const reader = new BetterSqlite3(this.path);
      reader.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      reader.pragma('synchronous = FULL');
      reader.pragma('query_only = ON');
      this.reader = reader;
    }
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new Connection(this);
  }

  async releaseConnection(): Promise<void> {}

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await this.lock.acquire();
    try {
      const batch = await this.join();
      this.statement('savepoint unit').run();
      (connection as Connection).unit = batch;
    } catch (error) {
      this.lock.release();
      throw error;
    }
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as Connection;
    const batch = c.unit;
    if (!batch) throw new Error('no transaction to commit');
    c.unit = null;
    try {
      // A batch lost to an error that rolled back the whole transaction rejects below.
      if (batch === this.batch) this.guarded(() => this.statement('release unit').run());
    } finally {
      this.lock.release();
    }
    await batch.committed;
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as Connection;
    const batch = c.unit;
    if (!batch) return; // the commit itself failed: nothing of this unit is left to undo
    c.unit = null;
    try {
      // Undo this unit only; the batch and the units before it go on.
      if (batch === this.batch) {
        this.guarded(() => {
          this.statement('rollback to unit').run();
          this.statement('release unit').run();
        });
      }
    } catch {
      // guarded() has failed the batch; the caller rethrows its own error.
    } finally {
      this.lock.release();
    }
  }

  async destroy(): Promise<void> {
    // The checkpointer's connection first: the last connection to close checkpoints and removes the WAL.
    const checkpointer = this.checkpointer;
    this.checkpointer = undefined;
    if (checkpointer) {
      // Unref'd so that it keeps no process alive; while we wait for its exit it must, or Node
      // ends with exit code 13 (an unsettled await) when nothing else is pending.
      checkpointer.worker.ref();
      checkpointer.worker.postMessage('close');
      await checkpointer.exited;
    }
    // Close commits what is pending: every caller already waiting is answered.
    await this.lock.acquire();
    try {
      if (this.batch) this.commit(this.batch);
    } finally {
      this.reader?.close();
      this.db?.close();
      this.lock.release();
    }
  }

  /** A read outside any unit of work, now, of committed data; undefined if it must wait or is no read. */
  readNow(sql: string, parameters: readonly unknown[]): unknown[] | undefined {
    // Not yet opened (kysely opens the driver on its first query): the ordinary way.
    if (!this.db) return undefined;
    const stmt = this.statement(sql);
    if (!stmt.readonly || !stmt.reader) return undefined;
    if (this.reader) return this.readerStatement(sql).all(parameters as unknown[]);
    // :memory: has one connection: only while nothing uncommitted is in it.
    return this.batch || this.lock.busy ? undefined : stmt.all(parameters as unknown[]);
  }

  /** A read outside a unit: committed data only (see sqliteDialect). */
  private async committedRead(stmt: Statement, query: CompiledQuery): Promise<QueryResult<unknown>> {
    if (this.reader) return this.run(this.readerStatement(query.sql), query);
    // :memory:: after the unit in progress and the COMMIT of the open batch.
    for (;;) {
      if (this.lock.busy) {
        await this.lock.acquire();
        this.lock.release();
      } else if (this.batch) {
        await this.batch.committed.catch(() => {});
      } else {
        return this.run(stmt, query);
      }
    }
  }

  execute(c: Connection, query: CompiledQuery): Promise<QueryResult<unknown>> {
    const stmt = this.statement(query.sql);
    if (c.unit) {
      // Nothing more of a unit whose batch was lost may run (it would autocommit on its own).
      if (c.unit !== this.batch) throw new Error('the transaction was rolled back by an earlier error');
      return Promise.resolve(this.guarded(() => this.run(stmt, query)));
    }
    if (stmt.readonly) return this.committedRead(stmt, query);
    return this.autocommitWrite(stmt, query);
  }

  /** A write outside a transaction is a unit of one statement (SQLite undoes a failed statement alone). */
  private async autocommitWrite(stmt: Statement, query: CompiledQuery): Promise<QueryResult<unknown>> {
    await this.lock.acquire();
    let batch: Batch;
    let result: QueryResult<unknown>;
    try {
      batch = await this.join();
      result = this.guarded(() => this.run(stmt, query));
    } finally {
      this.lock.release();
    }
    await batch.committed;
    return result;
  }

  /**
   * The open batch, or a new one committed on the next turn. `BEGIN IMMEDIATE` takes the write
   * lock now (no stale snapshot to fail on later). When another connection holds it (the CLI, or
   * a second store in this process) the wait is asynchronous: SQLite's own busy wait would stall
   * the event loop, and never end if the holder is this very thread.
   */
  private async join(): Promise<Batch> {
    if (this.batch) return this.batch;
    for (let waited = 0, pause = 1; ; waited += pause, pause = Math.min(pause * 2, 50)) {
      try {
        this.beginImmediate();
        break;
      } catch (error) {
        if (!String((error as { code?: unknown }).code).startsWith('SQLITE_BUSY') || waited >= BUSY_TIMEOUT_MS) throw error;
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
    const batch = newBatch();
    this.batch = batch;
    setImmediate(() => {
      // Units queued before this point join the batch first (FIFO); later ones start the next.
      const wait = this.lock.acquire();
      const commit = () => {
        try {
          this.commit(batch);
        } finally {
          this.lock.release();
        }
      };
      if (wait) void wait.then(commit);
      else commit();
    });
    return batch;
  }

  private beginImmediate(): void {
    this.statement('pragma busy_timeout = 0').get();
    try {
      this.statement('begin immediate').run();
    } finally {
      this.statement(`pragma busy_timeout = ${BUSY_TIMEOUT_MS}`).get();
    }
  }

  /** Commits `batch` if it is still the open one (called with the lock held). */
  private commit(batch: Batch): void {
    if (this.batch !== batch) return;
    this.batch = null;
    try {
      this.statement('commit').run();
      batch.resolve();
    } catch (error) {
      try {
        if (this.db?.inTransaction) this.statement('rollback').run();
      } catch {
        // The connection is unusable: the next statement says so to its caller.
      }
      batch.reject(error);
      return;
    }
    if (++this.commits === CHECKPOINTER_AFTER_BATCHES && this.path !== ':memory:') this.startCheckpointer();
  }

  private startCheckpointer(): void {
    // If it cannot run, the main connection checkpoints as SQLite always does (at the backstop).
    try {
      const worker = new Worker(CHECKPOINTER, {
        eval: true,
        workerData: { module: createRequire(import.meta.url).resolve('better-sqlite3'), path: absolutePath(this.path), everyMs: CHECKPOINT_EVERY_MS },
      });
      worker.on('error', () => {});
      worker.unref();
      this.checkpointer = { worker, exited: new Promise((done) => worker.once('exit', done)) };
      this.db?.pragma(`wal_autocheckpoint = ${BACKSTOP_AUTOCHECKPOINT_PAGES}`);
    } catch {
      this.checkpointer = undefined;
    }
  }

  /**
   * Runs fn inside the batch. Some errors (I/O, disk full) make SQLite roll back the whole
   * transaction: then every unit of the batch has lost its writes and is failed with it.
   */
  private guarded<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      if (this.batch && !this.db?.inTransaction) {
        this.batch.reject(error);
        this.batch = null;
      }
      throw error;
    }
  }

  private run(stmt: Statement, query: CompiledQuery): QueryResult<unknown> {
    const parameters = query.parameters as unknown[];
    if (stmt.reader) return { rows: stmt.all(parameters) };
    const { changes, lastInsertRowid } = stmt.run(parameters);
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
  }

  private readerStatement(sql: string): Statement {
    return prepare(this.reader, this.readerStatements, sql);
  }

  private statement(sql: string): Statement {
    return prepare(this.db, this.statements, sql);
  }
}

/** The connection's statement for `sql`, prepared once (at most 1000 kept per connection). */
function prepare(db: BetterSqlite3.Database | undefined, cache: Map<string, Statement>, sql: string): Statement {
  let stmt = cache.get(sql);
  if (!stmt) {
    if (!db) throw new Error('the database is not open');
    if (cache.size >= 1000) cache.clear();
    stmt = db.prepare(sql);
    cache.set(sql, stmt);
  }
  return stmt;
}
