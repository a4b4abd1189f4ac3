import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { Developer, DeveloperStore } from '../types.js';

/** The developer center's tables (migration 013), kept out of schema.ts: only this file reads them. */
interface DevelopersTable {
  developer_id: string;
  email: string;
  name: string;
  password_hash: string;
  platform_admin: number;
  sandbox_mall_id: string | null;
  created_at: number;
}

interface AppOwnersTable {
  client_id: string;
  developer_id: string;
}

type Row = DevelopersTable;

const toDeveloper = (r: Row): Developer => ({
  developerId: r.developer_id,
  email: r.email,
  name: r.name,
  passwordHash: r.password_hash,
  platformAdmin: Number(r.platform_admin) === 1,
  sandboxMallId: r.sandbox_mall_id,
  createdAt: Number(r.created_at),
});

export class KyselyDevelopers implements DeveloperStore {
  private readonly db;

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<{ developers: DevelopersTable; app_owners: AppOwnersTable }>();
  }

  async create(d: Developer): Promise<void> {
    await this.db
      .insertInto('developers')
      .values({
        developer_id: d.developerId,
        email: d.email,
        name: d.name,
        password_hash: d.passwordHash,
        platform_admin: d.platformAdmin ? 1 : 0,
        sandbox_mall_id: d.sandboxMallId,
        created_at: d.createdAt,
      })
      .execute();
  }

  async get(developerId: string): Promise<Developer | undefined> {
    const r = await this.db.selectFrom('developers').selectAll().where('developer_id', '=', developerId).executeTakeFirst();
    return r && toDeveloper(r);
  }

  async byEmail(email: string): Promise<Developer | undefined> {
    const r = await this.db.selectFrom('developers').selectAll().where('email', '=', email).executeTakeFirst();
    return r && toDeveloper(r);
  }

  async setPlatformAdmin(developerId: string, on: boolean): Promise<void> {
    await this.db.updateTable('developers').set({ platform_admin: on ? 1 : 0 }).where('developer_id', '=', developerId).execute();
  }

  async setSandboxMall(developerId: string, mallId: string): Promise<string> {
    await this.db.updateTable('developers').set({ sandbox_mall_id: mallId }).where('developer_id', '=', developerId).where('sandbox_mall_id', 'is', null).execute();
    const r = await this.db.selectFrom('developers').select('sandbox_mall_id').where('developer_id', '=', developerId).executeTakeFirstOrThrow();
    return r.sandbox_mall_id ?? mallId;
  }

  async own(clientId: string, developerId: string): Promise<void> {
    await this.db
      .insertInto('app_owners')
      .values({ client_id: clientId, developer_id: developerId })
      .onConflict((oc) => oc.column('client_id').doUpdateSet({ developer_id: developerId }))
      .execute();
  }

  async ownerOf(clientId: string): Promise<string | undefined> {
    const r = await this.db.selectFrom('app_owners').select('developer_id').where('client_id', '=', clientId).executeTakeFirst();
    return r?.developer_id;
  }

  async appsOf(developerId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('app_owners')
      .innerJoin('apps', 'apps.client_id', 'app_owners.client_id')
      .select('app_owners.client_id')
      .where('app_owners.developer_id', '=', developerId)
      .where('apps.revoked_at', 'is', null)
      .orderBy('apps.created_at')
      .orderBy('apps.client_id')
      .execute();
    return rows.map((r) => r.client_id);
  }

  async unowned(): Promise<string[]> {
    const rows = await this.db
      .selectFrom('apps')
      .leftJoin('app_owners', 'app_owners.client_id', 'apps.client_id')
      .select('apps.client_id')
      .where('app_owners.developer_id', 'is', null)
      .where('apps.kind', '=', 'app')
      .where('apps.revoked_at', 'is', null)
      .orderBy('apps.created_at')
      .orderBy('apps.client_id')
      .execute();
    return rows.map((r) => r.client_id);
  }
}
