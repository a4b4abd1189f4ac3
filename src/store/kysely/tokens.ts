import type { Kysely, Selectable } from 'kysely';
import type { AppsTable, Database, GrantsTable, TokensTable } from '../schema.js';
import type { FamilyOwner, RefreshRotation, Session, SessionStore, SettingStore, TokenRecord, TokenStore } from '../types.js';
import { lockingOf } from '../dialects/locking.js';
import { Prepared, PreparedInsert } from './prepared.js';
import { fromToken, toToken } from './rows.js';

type TokenRow = Selectable<TokensTable>;

// The queries of every token request and every API call, compiled once (store/kysely/prepared.ts).
const byHash = new Prepared<{ hash: string }, TokenRow>((db, p) => db.selectFrom('tokens').selectAll().where('token_hash', '=', p.hash));
// Issue 15, item 1: only a live token rotates (a revocation that committed first wins).
const rotation = new Prepared<{ hash: string; now: number }, TokenRow>((db, p) =>
  db
    .updateTable('tokens')
    .set({ rotated_at: p.now })
    .where('token_hash', '=', p.hash)
    .where('kind', '=', 'refresh')
    .where('rotated_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', p.now)
    .returningAll(),
);
// The owner's row, locked (store/dialects/locking.ts): the first lock of every family change.
const grantLock = new Prepared<{ id: string }, Pick<GrantsTable, 'revoked_at'>>((db, p) =>
  lockingOf(db).rows(db.selectFrom('grants').select('revoked_at').where('grant_id', '=', p.id), 'update'),
);
const appLock = new Prepared<{ id: string }, Pick<AppsTable, 'revoked_at'>>((db, p) =>
  lockingOf(db).rows(db.selectFrom('apps').select('revoked_at').where('client_id', '=', p.id), 'share'),
);

// Every issuance writes a pair: one two-row INSERT (store/kysely/prepared.ts).
const insert = new PreparedInsert<TokenRow>((db, rows) => db.insertInto('tokens').values(rows));

export class KyselyTokens implements TokenStore {
  constructor(private readonly db: Kysely<Database>) {}

  async save(tokens: TokenRecord[]): Promise<void> {
    await insert.execute(this.db, tokens.map(fromToken));
  }

  async get(tokenHash: string): Promise<TokenRecord | undefined> {
    const r = await byHash.first(this.db, { hash: tokenHash });
    return r && toToken(r);
  }

  async findByJti(jti: string): Promise<TokenRecord | undefined> {
    const r = await this.db.selectFrom('tokens').selectAll().where('jti', '=', jti).executeTakeFirst();
    return r && toToken(r);
  }

  async lockFamily(owner: FamilyOwner): Promise<boolean> {
    if (!this.db.isTransaction) throw new Error('lockFamily needs a transaction');
    if (owner.grantId !== null) {
      const grant = await grantLock.first(this.db, { id: owner.grantId });
      return grant !== undefined && grant.revoked_at === null;
    }
    const app = await appLock.first(this.db, { id: owner.clientId });
    await lockingOf(this.db).key(this.db, `shopauth:family:${owner.familyId}`);
    return app !== undefined && app.revoked_at === null;
  }

  async rotate(tokenHash: string, now: number): Promise<RefreshRotation> {
    const won = await rotation.first(this.db, { hash: tokenHash, now });
    if (won) return { status: 'ok', token: toToken(won) };
    const seen = await this.get(tokenHash);
    if (!seen || seen.kind !== 'refresh') return { status: 'unknown' };
    return { status: seen.revokedAt !== null || seen.expiresAt <= now ? 'dead' : 'reused', token: seen };
  }

  async retryRotated(tokenHash: string, now: number): Promise<boolean> {
    const parent = await this.db.selectFrom('tokens').select(['family_id', 'retried_at', 'rotated_at']).where('token_hash', '=', tokenHash).executeTakeFirst();
    if (!parent || parent.rotated_at === null || parent.retried_at !== null) return false;
    const successors = await this.db
      .selectFrom('tokens')
      .select(['kind', 'rotated_at', 'revoked_at'])
      .where('family_id', '=', parent.family_id)
      .where('parent_hash', '=', tokenHash)
      .execute();
    if (!successors.some((t) => t.kind === 'refresh' && t.rotated_at === null && t.revoked_at === null)) return false;
    await this.db.updateTable('tokens').set({ retried_at: now }).where('token_hash', '=', tokenHash).execute();
    await this.db
      .updateTable('tokens')
      .set({ revoked_at: now })
      .where('family_id', '=', parent.family_id)
      .where('parent_hash', '=', tokenHash)
      .where('revoked_at', 'is', null)
      .execute();
    return true;
  }

  async revokeFamily(familyId: string, now: number): Promise<number> {
    const r = await this.db
      .updateTable('tokens')
      .set({ revoked_at: now })
      .where('family_id', '=', familyId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }
}

export class KyselySessions implements SessionStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(s: Session): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({ session_hash: s.sessionHash, mall_id: s.mallId, user_id: s.userId, created_at: s.createdAt, expires_at: s.expiresAt })
      .execute();
  }

  async get(sessionHash: string, now: number): Promise<Session | undefined> {
    const r = await this.db
      .selectFrom('sessions')
      .selectAll()
      .where('session_hash', '=', sessionHash)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return r && { sessionHash: r.session_hash, mallId: r.mall_id, userId: r.user_id, createdAt: r.created_at, expiresAt: r.expires_at };
  }

  async delete(sessionHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('session_hash', '=', sessionHash).execute();
  }
}

export class KyselySettings implements SettingStore {
  constructor(private readonly db: Kysely<Database>) {}

  async get(key: string): Promise<string | undefined> {
    const r = await this.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
    return r?.value;
  }

  async putIfAbsent(key: string, value: string): Promise<string> {
    await this.db.insertInto('settings').values({ key, value }).onConflict((oc) => oc.column('key').doNothing()).execute();
    return (await this.get(key)) ?? value;
  }
}
