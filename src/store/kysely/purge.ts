import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { PurgeCounts, PurgeStore } from '../types.js';

/**
 * Deletes expired codes, tokens and sessions in batches (issue 15, item 8): each statement deletes
 * at most `batch` rows chosen by a sub-select, so a large backlog never holds one long lock (on
 * SQLite, the one writer) nor one huge transaction. Alike on both dialects.
 */
export class KyselyPurge implements PurgeStore {
  constructor(private readonly db: Kysely<Database>) {}

  async expired(before: number, batch: number): Promise<PurgeCounts> {
    const counts: PurgeCounts = { codes: 0, tokens: 0, sessions: 0 };
    const loop = async (one: () => Promise<bigint>, into: keyof PurgeCounts) => {
      for (;;) {
        const n = Number(await one());
        counts[into] += n;
        if (n < batch) return;
      }
    };
    await loop(
      async () =>
        (
          await this.db
            .deleteFrom('auth_codes')
            .where('code_hash', 'in', (eb) => eb.selectFrom('auth_codes').select('code_hash').where('expires_at', '<', before).limit(batch))
            .executeTakeFirst()
        ).numDeletedRows,
      'codes',
    );
    await loop(
      async () =>
        (
          await this.db
            .deleteFrom('tokens')
            .where('token_hash', 'in', (eb) => eb.selectFrom('tokens').select('token_hash').where('expires_at', '<', before).limit(batch))
            .executeTakeFirst()
        ).numDeletedRows,
      'tokens',
    );
    await loop(
      async () =>
        (
          await this.db
            .deleteFrom('sessions')
            .where('session_hash', 'in', (eb) => eb.selectFrom('sessions').select('session_hash').where('expires_at', '<', before).limit(batch))
            .executeTakeFirst()
        ).numDeletedRows,
      'sessions',
    );
    return counts;
  }
}
