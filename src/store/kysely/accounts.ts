import type { Kysely, Selectable } from 'kysely';
import type { AppsTable, Database, MallsTable } from '../schema.js';
import type { App, AppStore, Mall, MallStore, Operator, OperatorStore } from '../types.js';
import { Prepared } from './prepared.js';
import { atomic, toApp } from './rows.js';

// Client authentication reads the app on every token request (store/kysely/prepared.ts).
const appById = new Prepared<{ id: string }, Selectable<AppsTable>>((db, p) => db.selectFrom('apps').selectAll().where('client_id', '=', p.id));
const mallById = new Prepared<{ id: string }, Selectable<MallsTable>>((db, p) => db.selectFrom('malls').selectAll().where('mall_id', '=', p.id));

export class KyselyMalls implements MallStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(m: Mall): Promise<void> {
    await this.db
      .insertInto('malls')
      .values({ mall_id: m.mallId, name: m.name, timezone: m.timezone, shop_no: m.shopNo, created_at: m.createdAt })
      .execute();
  }

  async get(mallId: string): Promise<Mall | undefined> {
    const r = await mallById.first(this.db, { id: mallId });
    return r && { mallId: r.mall_id, name: r.name, timezone: r.timezone, shopNo: r.shop_no, createdAt: r.created_at };
  }

  async list(): Promise<Mall[]> {
    const rows = await this.db.selectFrom('malls').selectAll().orderBy('mall_id').execute();
    return rows.map((r) => ({ mallId: r.mall_id, name: r.name, timezone: r.timezone, shopNo: r.shop_no, createdAt: r.created_at }));
  }
}

export class KyselyOperators implements OperatorStore {
  constructor(private readonly db: Kysely<Database>) {}

  async add(o: Operator & { createdAt: number }): Promise<void> {
    await this.db
      .insertInto('operators')
      .values({
        mall_id: o.mallId,
        user_id: o.userId,
        password_hash: o.passwordHash,
        user_type: o.userType,
        name: o.name,
        created_at: o.createdAt,
      })
      .execute();
  }

  async get(mallId: string, userId: string): Promise<Operator | undefined> {
    const r = await this.db
      .selectFrom('operators')
      .selectAll()
      .where('mall_id', '=', mallId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return r && { mallId: r.mall_id, userId: r.user_id, passwordHash: r.password_hash, userType: r.user_type, name: r.name };
  }

  async replacePasswordHash(mallId: string, userId: string, expected: string, next: string): Promise<boolean> {
    const r = await this.db
      .updateTable('operators')
      .set({ password_hash: next })
      .where('mall_id', '=', mallId)
      .where('user_id', '=', userId)
      .where('password_hash', '=', expected)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async list(mallId: string): Promise<Operator[]> {
    const rows = await this.db.selectFrom('operators').selectAll().where('mall_id', '=', mallId).orderBy('user_type', 'desc').orderBy('user_id').execute();
    return rows.map((r) => ({ mallId: r.mall_id, userId: r.user_id, passwordHash: r.password_hash, userType: r.user_type, name: r.name }));
  }

  async remove(mallId: string, userId: string): Promise<boolean> {
    const r = await this.db.deleteFrom('operators').where('mall_id', '=', mallId).where('user_id', '=', userId).executeTakeFirst();
    return r.numDeletedRows > 0n;
  }
}

export class KyselyApps implements AppStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(a: App): Promise<void> {
    await this.db
      .insertInto('apps')
      .values({
        client_id: a.clientId,
        secret_hash: a.secretHash,
        kind: a.kind,
        mall_id: a.mallId,
        name: a.name,
        app_url: a.appUrl,
        redirect_uris: JSON.stringify(a.redirectUris),
        scopes: JSON.stringify(a.scopes),
        client_type: a.clientType,
        rate_limit: a.rateLimit,
        api_version: a.apiVersion,
        created_at: a.createdAt,
        revoked_at: a.revokedAt,
      })
      .execute();
  }

  async get(clientId: string): Promise<App | undefined> {
    const r = await appById.first(this.db, { id: clientId });
    return r && toApp(r);
  }

  async list(filter: { kind?: App['kind']; mallId?: string } = {}): Promise<App[]> {
    let q = this.db.selectFrom('apps').selectAll();
    if (filter.kind) q = q.where('kind', '=', filter.kind);
    if (filter.mallId) q = q.where('mall_id', '=', filter.mallId);
    return (await q.orderBy('created_at').orderBy('client_id').execute()).map(toApp);
  }

  async revoke(clientId: string, now: number): Promise<boolean> {
    return atomic(this.db, async (db) => {
      const r = await db
        .updateTable('apps')
        .set({ revoked_at: now })
        .where('client_id', '=', clientId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (r.numUpdatedRows === 0n) return false;
      await db.updateTable('grants').set({ revoked_at: now }).where('client_id', '=', clientId).where('revoked_at', 'is', null).execute();
      await db.updateTable('tokens').set({ revoked_at: now }).where('client_id', '=', clientId).where('revoked_at', 'is', null).execute();
      return true;
    });
  }

  async update(clientId: string, f: Pick<App, 'name' | 'appUrl' | 'redirectUris' | 'scopes'>): Promise<boolean> {
    const r = await this.db
      .updateTable('apps')
      .set({ name: f.name, app_url: f.appUrl, redirect_uris: JSON.stringify(f.redirectUris), scopes: JSON.stringify(f.scopes) })
      .where('client_id', '=', clientId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async setSecretHash(clientId: string, secretHash: string): Promise<boolean> {
    const r = await this.db.updateTable('apps').set({ secret_hash: secretHash }).where('client_id', '=', clientId).where('revoked_at', 'is', null).executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }
}
