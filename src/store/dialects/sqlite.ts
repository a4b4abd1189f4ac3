import { channel } from 'node:diagnostics_channel';
import { closeSync, fdatasync, mkdirSync, openSync } from 'node:fs';
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
 *   autocommit write's, resolves only once the batch's COMMIT has succeeded and is on disk
 *   (Durability, below); if the COMMIT fails every unit in it fails. `temp_store =
 *   MEMORY` keeps the savepoints' undo records in memory (they spilled to temp files on disk).
 * - Reads outside a unit are answered synchronously (`SyncReads`), and checkpoints run on a
 *   worker thread (`CHECKPOINTER`).
 *
 * Durability (issue 15, item 4): nobody is told "done" before the write survives a power loss.
 * The writer runs `synchronous = NORMAL`: COMMIT appends the batch's frames to the `-wal` file
 * (page cache) and returns without an fsync. The driver then fdatasyncs the WAL itself, on
 * libuv's threadpool through an fd opened once, and resolves the batch's units only when that
 * call, started after their COMMIT, has completed. One fsync runs at a time; batches committed
 * meanwhile share the next one, and the event loop keeps serving (and committing) while the
 * disk works: pipelined group commit. With `FULL`, COMMIT made the same fsync synchronously on
 * the event loop (~3.5 ms each, nothing else running). Why that is as durable as `FULL`:
 * - A commit lives in the WAL until a checkpoint copies it; recovery replays the longest valid
 *   prefix of WAL frames (checksum chain, salt of the header). fsync is per file, not per fd, so
 *   our fd flushes whatever SQLite wrote through its own; and what survives is always a prefix
 *   of commits: a batch is durable once any fsync started after its COMMIT has returned.
 * - Checkpoints (the worker's PASSIVE ones, the writer's backstop) sync the WAL before copying
 *   frames into the database file and sync the database file before recording them as copied,
 *   at any `synchronous` but OFF. So a WAL restart (the next writer rewinds to frame 1 under a
 *   new salt once every frame is copied) only overwrites frames already durable in the
 *   database file, and SQLite syncs the new WAL header itself. A TRUNCATE checkpoint (none is
 *   run here) shrinks the same inode: our fd stays valid. The `-wal` file is deleted only when
 *   the last connection closes, and ours stay open until `destroy`, which waits for the last
 *   fsync first. Never run any connection of this file with `synchronous = OFF`.
 * - A process crash (SIGKILL) loses nothing committed: the frames are in the kernel's page
 *   cache. A batch committed but not yet fsynced when the machine loses power may be lost: its
 *   units were never answered (their outcome is unknown to the client, as for a crash mid-request).
 * - A failed fsync fails its batches, and every later one: after such an error the kernel may
 *   have dropped the pages, so a later fsync that succeeds proves nothing (restart the server).
 * - What changes: visibility now precedes durability, by at most one fsync. The read-only
 *   connection (and other processes) see a batch once its COMMIT returns, before its fsync; with
 *   `FULL` SQLite published the commit only after syncing. So an answer built from a read can
 *   reflect a write whose author has not yet been answered and that a power loss in those
 *   milliseconds takes back. What that can be: a revocation seen early (an introspection says
 *   inactive; after the power loss the token is live again, and its revoker, never answered,
 *   retries), a token pair that exists but was never sent (only its hashes are stored), a resource
 *   write listed before its author's 201. Nothing is granted that the durable state would refuse
 *   because of a write someone was told of. Holding the reader on the last durable snapshot would
 *   close that window but would then also delay other processes' revocations: not done.
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
  /** Settles once the COMMIT succeeded and the WAL holding it is fsynced (or either failed). */
  durable: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const durable = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A batch whose units all rolled back has nobody waiting: its failure is not unhandled.
  durable.catch(() => {});
  return { durable, resolve, reject };
}

/**
 * Published after each fsync of the WAL, before the batches it made durable are resolved:
 * `{ batches }`, how many (test/store/sqlite-group-commit.test.ts observes the order).
 */
export const walFsynced = channel('shopauth:sqlite:wal-fsync');

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
  /** Per SQL text, the statement `readNow` answers it with (the reader's on a file), or null: not a read. */
  private readonly readNowStatements = new Map<string, Statement | null>();
  /** Held by a unit of work from BEGIN to its end, and by the COMMIT of a batch. */
  private readonly lock = new Lock();
  private batch: Batch | null = null;
  private commits = 0;
  private checkpointer: { worker: Worker; exited: Promise<unknown> } | undefined;
  /** The `-wal` file, opened once after the first COMMIT, for the fsync that makes batches durable. */
  private wal: number | undefined;
  /** Committed batches waiting for the next fsync of the WAL; at most one fsync runs at a time. */
  private notDurable: Batch[] = [];
  private syncing: Promise<void> | undefined;
  /** A failed fsync: the kernel may have dropped the pages, so no later batch is called durable. */
  private syncFailed: unknown;

  constructor(private readonly path: string) {}

  async init(): Promise<void> {
    if (this.path !== ':memory:') mkdirSync(dirname(this.path), { recursive: true });
    const db = new BetterSqlite3(this.path);
    db.pragma('journal_mode = WAL');
    // NORMAL: COMMIT writes the WAL without fsync; the fsync is ours, off the event loop (above).
    db.pragma('synchronous = NORMAL');
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
    await batch.durable;
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
      while (this.syncing) await this.syncing;
    } finally {
      this.reader?.close();
      this.db?.close();
      if (this.wal !== undefined) closeSync(this.wal);
      this.wal = undefined;
      this.lock.release();
    }
  }

  /** A read outside any unit of work, now, of committed data; undefined if it must wait or is no read. */
  readNow(sql: string, parameters: readonly unknown[]): unknown[] | undefined {
    // Not yet opened (kysely opens the driver on its first query): the ordinary way.
    if (!this.db) return undefined;
    let stmt = this.readNowStatements.get(sql);
    if (stmt === undefined) {
      // Decided once per SQL text: better-sqlite3's `readonly` and `reader` are calls into C++.
      const writer = this.statement(sql);
      stmt = writer.readonly && writer.reader ? (this.reader ? this.readerStatement(sql) : writer) : null;
      if (this.readNowStatements.size >= 1000) this.readNowStatements.clear();
      this.readNowStatements.set(sql, stmt);
    }
    if (stmt === null) return undefined;
    // :memory: has one connection: only while nothing uncommitted is in it.
    if (!this.reader && (this.batch || this.lock.busy)) return undefined;
    return stmt.all(parameters as unknown[]);
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
        await this.batch.durable.catch(() => {});
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
    await batch.durable;
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
    } catch (error) {
      try {
        if (this.db?.inTransaction) this.statement('rollback').run();
      } catch {
        // The connection is unusable: the next statement says so to its caller.
      }
      batch.reject(error);
      return;
    }
    if (this.path === ':memory:') batch.resolve();
    else this.makeDurable(batch);
    if (++this.commits === CHECKPOINTER_AFTER_BATCHES && this.path !== ':memory:') this.startCheckpointer();
  }

  /**
   * Resolves `batch` once an fsync of the WAL that started after its COMMIT has completed. One
   * fsync at a time, on libuv's threadpool: the event loop meanwhile runs the next batches, and
   * the batches committed during one fsync share the next (pipelined group commit).
   */
  private makeDurable(batch: Batch): void {
    this.notDurable.push(batch);
    if (!this.syncing) this.startSync();
  }

  private startSync(): void {
    this.syncing = this.syncWal().finally(() => {
      this.syncing = undefined;
      // Batches committed between the loop's end and this callback.
      if (this.notDurable.length > 0) this.startSync();
    });
  }

  private async syncWal(): Promise<void> {
    while (this.notDurable.length > 0) {
      const batches = this.notDurable;
      this.notDurable = [];
      let error = this.syncFailed;
      if (error === undefined) {
        try {
          this.wal ??= openSync(`${this.path}-wal`, 'r');
          const fd = this.wal;
          await new Promise<void>((done, fail) => fdatasync(fd, (e) => (e ? fail(e) : done())));
        } catch (e) {
          error = this.syncFailed = e;
        }
      }
      if (walFsynced.hasSubscribers) walFsynced.publish({ batches: batches.length });
      for (const b of batches) {
        if (error === undefined) b.resolve();
        else b.reject(error);
      }
    }
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
