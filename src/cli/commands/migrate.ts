import { loadConfig } from '../../config.js';
import { migrate, openStore } from '../../store/kysely/store.js';
import { parse, result, str, type CliIO } from '../io.js';

/** `shopauth migrate`: applies pending migrations and says which. */
export async function migrateCommand(args: string[], io: CliIO): Promise<number> {
  const p = parse(args, {});
  const config = loadConfig({ db: str(p, 'db') });
  const store = await openStore(config.db, { migrate: false });
  try {
    const applied = await migrate(store);
    result(io, p.values.json as boolean, { applied }, applied.length ? `applied ${applied.join(', ')}` : 'the database is up to date');
    return 0;
  } finally {
    await store.close();
  }
}
