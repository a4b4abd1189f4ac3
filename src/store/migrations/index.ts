import type { Migration, MigrationProvider } from 'kysely';
import * as m001 from './001-initial.js';

/**
 * Versioned migrations, applied in name order at start and by `shopauth migrate`.
 * A new migration is a new file here and one line below; never edit a landed one.
 */
const migrations: Record<string, Migration> = {
  '001-initial': m001,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};

