import type { Kysely, Selectable } from 'kysely';
import type { Database, TokensTable } from '../schema.js';
import type { RefreshRotation, Session, SessionStore, SettingStore, TokenRecord, TokenStore } from '../types.js';
import { Prepared, PreparedInsert } from './prepared.js';
import { fromToken, toToken } from './rows.js';

type TokenRow = Selectable<TokensTable>;

// The queries of every token request and every API call, compiled once (store/kysely/prepared.ts).
const byHash = new Prepared<{ hash: string }, TokenRow>((db, p) => db.selectFrom('tokens').selectAll().where('token_hash', '=', p.hash));
const rotation = new Prepared<{ hash: string; now: number }, TokenRow>((db, p) =>
  db
    .updateTable('tokens')
    .set({ rotated_at: p.now })
    .where('token_hash', '=', p.hash)
    .where('kind', '=', 'refresh')
    .where('rotated_at', 'is', null)
    .returningAll(),
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

  async rotate(tokenHash: string, now: number): Promise<RefreshRotation> {
    const won = await rotation.first(this.db, { hash: tokenHash, now });
    if (won) return { status: 'ok', token: toToken(won) };
    const seen = await this.get(tokenHash);
    return seen && seen.kind === 'refresh' ? { status: 'reused', token: seen } : { status: 'unknown' };
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
