import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { openStore, type KyselyStore } from '../../src/store/kysely/store.js';

/** PostgreSQL of the test machine (DEVELOPERS.md): 127.0.0.1:5432, user root, database test. */
export const PG_URL = process.env.SHOPAUTH_TEST_PG ?? 'postgres://root@127.0.0.1:5432/test';

/** A fresh, private PostgreSQL schema for one suite; drop() removes it. */
export function pgSchemaUrl(): { url: string; drop: () => Promise<void> } {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  return {
    url: `${PG_URL}?schema=${schema}`,
    drop: async () => {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    },
  };
}

/**
 * The databases every store suite runs on (kysely's model: one suite, every dialect).
 * Use with describe.each(DIALECTS)(...) and open with `dialect.open()`.
 */
export const DIALECTS = [
  { name: 'sqlite', open: () => ({ url: ':memory:', drop: async () => {} }) },
  { name: 'postgres', open: pgSchemaUrl },
] as const;

/**
 * A store on `dialect` for one suite: opened (and migrated) before its tests and handed to `use`,
 * closed and dropped after them.
 */
export function suiteStore(dialect: (typeof DIALECTS)[number], use: (store: KyselyStore) => void): void {
  let store: KyselyStore | undefined;
  let drop = async () => {};
  beforeAll(async () => {
    const opened = dialect.open();
    drop = opened.drop;
    store = await openStore(opened.url);
    use(store);
  });
  afterAll(async () => {
    await store?.close();
    await drop();
  });
}
