import { Kysely, Migrator, sql } from 'kysely';
import type { Database } from '../schema.js';
import type { Store } from '../types.js';
import { migrationProvider } from '../migrations/index.js';
import { sqliteDialect } from '../dialects/sqlite.js';
import { postgresDialect } from '../dialects/postgres.js';
import { KyselyApps, KyselyMalls, KyselyOperators } from './accounts.js';
import { KyselyAudit } from './audit.js';
import { KyselyCodes, KyselyGrants } from './grants.js';
import { KyselyShop } from './shop.js';
import { KyselySessions, KyselySettings, KyselyTokens } from './tokens.js';
import { KyselySigningKeys } from './signing-keys.js';
import { KyselyPodOrderCodes } from './pod-order-codes.js';
import { KyselyAppSecrets } from './app-secrets.js';
import { KyselyPurge } from './purge.js';
import { KyselyDevelopers } from './developers.js';
import { KyselyWebhooks } from './webhooks.js';
import { retrying } from './retry.js';

export class KyselyStore implements Store {
  readonly malls;
  readonly operators;
  readonly apps;
  readonly grants;
  readonly codes;
  readonly tokens;
  readonly sessions;
  readonly settings;
  readonly shop;
  readonly signingKeys;
  readonly podOrderCodes;
  readonly audit;
  readonly appSecrets;
  readonly purge;
  readonly developers;
  readonly webhooks;

  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: 'sqlite' | 'postgres',
    /** PostgreSQL: the schema the tables live in. */
    readonly schema: string | null = null,
  ) {
    this.malls = new KyselyMalls(db);
    this.operators = new KyselyOperators(db);
    this.apps = new KyselyApps(db);
    this.grants = new KyselyGrants(db);
    this.codes = new KyselyCodes(db);
    this.tokens = new KyselyTokens(db);
    this.sessions = new KyselySessions(db);
    this.settings = new KyselySettings(db);
    this.shop = new KyselyShop(db);
    this.signingKeys = new KyselySigningKeys(db);
    this.podOrderCodes = new KyselyPodOrderCodes(db);
    this.audit = new KyselyAudit(db);
    this.appSecrets = new KyselyAppSecrets(db);
    this.purge = new KyselyPurge(db);
    this.developers = new KyselyDevelopers(db);
    this.webhooks = new KyselyWebhooks(db, dialect);
  }

  transaction<T>(fn: (store: Store) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return fn(this);
    // Retried whole on a deadlock, serialization failure or busy database (store/kysely/retry.ts).
    return retrying(this.db, () => this.db.transaction().execute((trx) => fn(new KyselyStore(trx, this.dialect, this.schema))));
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}

/** Is this database location a PostgreSQL URL (else a SQLite file path)? */
export const isPostgresUrl = (location: string): boolean => /^postgres(ql)?:\/\//.test(location);

/**
 * Opens the store at a SQLite path (`./shopauth.db`, `:memory:`) or a PostgreSQL URL
 * (`postgres://user@host/db?schema=name`). Migrations run unless `migrate` is false.
 */
export async function openStore(location: string, options: { migrate?: boolean } = {}): Promise<KyselyStore> {
  let store: KyselyStore;
  if (isPostgresUrl(location)) {
    const pg = postgresDialect(location);
    const db = new Kysely<Database>({ dialect: pg.dialect });
    if (pg.schema) await sql`create schema if not exists ${sql.id(pg.schema)}`.execute(db);
    const schema = pg.schema ?? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema ?? null;
    store = new KyselyStore(db, 'postgres', schema);
  } else {
    store = new KyselyStore(new Kysely<Database>({ dialect: sqliteDialect(location) }), 'sqlite');
  }
  if (options.migrate !== false) await migrate(store);
  return store;
}

/** Applies pending migrations; returns the names applied. Throws with the failing migration's name. */
export async function migrate(store: KyselyStore): Promise<string[]> {
  // PostgreSQL: name the schema, or kysely's check for its own tables sees another schema's
  // (it looks in every schema) and skips creating them in ours.
  const { db, schema } = store;
  // Numbers are handed out to parallel work ahead of time: a database may already have a later
  // one (013) when an earlier one (011) lands; it is applied then, not refused.
  const migrator = new Migrator({ db, provider: migrationProvider, allowUnorderedMigrations: true, ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) {
    const failed = results.find((r) => r.status === 'Error');
    throw new Error(`migration ${failed?.migrationName ?? '?'} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
