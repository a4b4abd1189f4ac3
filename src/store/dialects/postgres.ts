import pg from 'pg';
import { PostgresDialect, type Dialect } from 'kysely';

/**
 * PostgreSQL: a pg pool. BIGINT (epoch milliseconds) is read back as a number, as SQLite does.
 * A `schema` query parameter on the URL sets the search_path (tests isolate themselves so);
 * the store creates that schema before migrating.
 */
export function postgresDialect(url: string): { dialect: Dialect; schema: string | null } {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema');
  parsed.searchParams.delete('schema');
  if (schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error('the schema parameter of the database URL must be a plain lower-case identifier');
  }
  const types: pg.CustomTypesConfig = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === 20 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
  };
  const pool = new pg.Pool({
    connectionString: parsed.toString(),
    max: 10,
    types,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  return { dialect: new PostgresDialect({ pool }), schema };
}
