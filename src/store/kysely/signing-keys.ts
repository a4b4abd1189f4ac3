import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../schema.js';
import type { SigningKeyRecord, SigningKeyStore } from '../types.js';
import { atomic } from './rows.js';

/** The signing_keys table (migration 002), kept out of schema.ts: only this file reads it. */
interface SigningKeysTable {
  kid: string;
  alg: string;
  public_jwk: string;
  private_jwk: string;
  created_at: number;
  retired_at: number | null;
}

type Db = Kysely<Database & { signing_keys: SigningKeysTable }>;

const toKey = (r: Selectable<SigningKeysTable>): SigningKeyRecord => ({
  kid: r.kid,
  alg: r.alg,
  publicJwk: r.public_jwk,
  sealedPrivateJwk: r.private_jwk,
  createdAt: r.created_at,
  retiredAt: r.retired_at,
});

export class KyselySigningKeys implements SigningKeyStore {
  private readonly db: Db;

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<{ signing_keys: SigningKeysTable }>();
  }

  async list(retiredAfter: number): Promise<SigningKeyRecord[]> {
    const rows = await this.db
      .selectFrom('signing_keys')
      .selectAll()
      .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', retiredAfter)]))
      .execute();
    // Active first, then the most recently retired (a handful of rows: sorted here, alike on both dialects).
    const rank = (r: { retired_at: number | null; created_at: number }) => [r.retired_at ?? Number.MAX_SAFE_INTEGER, r.created_at];
    return rows.sort((x, y) => rank(y)[0]! - rank(x)[0]! || rank(y)[1]! - rank(x)[1]!).map(toKey);
  }

  async rotate(key: SigningKeyRecord, now: number): Promise<string[]> {
    return atomic(this.db as unknown as Kysely<Database>, async (tx) => {
      const db = tx.withTables<{ signing_keys: SigningKeysTable }>();
      const retired = await db
        .updateTable('signing_keys')
        .set({ retired_at: now })
        .where('retired_at', 'is', null)
        .returning('kid')
        .execute();
      await db
        .insertInto('signing_keys')
        .values({
          kid: key.kid,
          alg: key.alg,
          public_jwk: key.publicJwk,
          private_jwk: key.sealedPrivateJwk,
          created_at: key.createdAt,
          retired_at: null,
        })
        .execute();
      return retired.map((r) => r.kid);
    });
  }

  async prune(retiredBefore: number): Promise<number> {
    const r = await this.db.deleteFrom('signing_keys').where('retired_at', '<', retiredBefore).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async reseal(kid: string, expected: string, next: string): Promise<boolean> {
    const r = await this.db.updateTable('signing_keys').set({ private_jwk: next }).where('kid', '=', kid).where('private_jwk', '=', expected).executeTakeFirst();
    return r.numUpdatedRows === 1n;
  }
}
