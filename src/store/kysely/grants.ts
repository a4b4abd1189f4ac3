import type { Kysely, Selectable } from 'kysely';
import type { Database, GrantsTable } from '../schema.js';
import type { AuthCode, CodeConsumption, CodeStore, Grant, GrantStore } from '../types.js';
import { Prepared } from './prepared.js';
import { atomic, toCode, toGrant } from './rows.js';

// Read on every refresh (store/kysely/prepared.ts).
const byId = new Prepared<{ id: string }, Selectable<GrantsTable>>((db, p) => db.selectFrom('grants').selectAll().where('grant_id', '=', p.id));

export class KyselyGrants implements GrantStore {
  constructor(private readonly db: Kysely<Database>) {}

  async upsert(g: Omit<Grant, 'createdAt' | 'revokedAt'>): Promise<Grant> {
    const row = await this.db
      .insertInto('grants')
      .values({
        grant_id: g.grantId,
        mall_id: g.mallId,
        client_id: g.clientId,
        user_id: g.userId,
        scopes: JSON.stringify(g.scopes),
        created_at: g.updatedAt,
        updated_at: g.updatedAt,
        revoked_at: null,
      })
      .onConflict((oc) =>
        oc.columns(['mall_id', 'client_id', 'user_id']).doUpdateSet({
          scopes: JSON.stringify(g.scopes),
          updated_at: g.updatedAt,
          revoked_at: null,
        }),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
    return toGrant(row);
  }

  async get(grantId: string): Promise<Grant | undefined> {
    const r = await byId.first(this.db, { id: grantId });
    return r && toGrant(r);
  }

  async list(mallId: string): Promise<Grant[]> {
    const rows = await this.db.selectFrom('grants').selectAll().where('mall_id', '=', mallId).orderBy('created_at').execute();
    return rows.map(toGrant);
  }

  async revoke(grantId: string, now: number): Promise<boolean> {
    return atomic(this.db, async (db) => {
      const r = await db
        .updateTable('grants')
        .set({ revoked_at: now })
        .where('grant_id', '=', grantId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (r.numUpdatedRows === 0n) return false;
      await db.updateTable('tokens').set({ revoked_at: now }).where('grant_id', '=', grantId).where('revoked_at', 'is', null).execute();
      return true;
    });
  }
}

export class KyselyCodes implements CodeStore {
  constructor(private readonly db: Kysely<Database>) {}

  async save(c: AuthCode): Promise<void> {
    await this.db
      .insertInto('auth_codes')
      .values({
        code_hash: c.codeHash,
        mall_id: c.mallId,
        client_id: c.clientId,
        user_id: c.userId,
        grant_id: c.grantId,
        family_id: c.familyId,
        redirect_uri: c.redirectUri,
        scopes: JSON.stringify(c.scopes),
        code_challenge: c.codeChallenge,
        code_challenge_method: c.codeChallengeMethod,
        expires_at: c.expiresAt,
        consumed_at: c.consumedAt,
        created_at: c.createdAt,
      })
      .execute();
  }

  async get(codeHash: string): Promise<AuthCode | undefined> {
    const r = await this.db.selectFrom('auth_codes').selectAll().where('code_hash', '=', codeHash).executeTakeFirst();
    return r && toCode(r);
  }

  async consume(codeHash: string, by: { clientId: string; mallId: string }, now: number): Promise<CodeConsumption> {
    // One conditional UPDATE: of concurrent exchanges exactly one sees the row change; another
    // client's or mall's exchange matches no row and changes nothing (issue 15, item 5).
    const won = await this.db
      .updateTable('auth_codes')
      .set({ consumed_at: now })
      .where('code_hash', '=', codeHash)
      .where('client_id', '=', by.clientId)
      .where('mall_id', '=', by.mallId)
      .where('consumed_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (won) return { status: 'ok', code: toCode(won) };
    const seen = await this.get(codeHash);
    return seen && seen.clientId === by.clientId && seen.mallId === by.mallId ? { status: 'replayed', code: seen } : { status: 'unknown' };
  }
}
