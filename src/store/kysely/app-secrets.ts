import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { AppSecretRecord, AppSecretStore } from '../types.js';

/** The app_secrets table (migration 007), kept out of schema.ts: only this file reads it. */
interface AppSecretsTable {
  client_id: string;
  sealed_secret: string;
  created_at: number;
}

/** A rotated-out client secret's keyed hash during its grace (migration 013). */
interface AppPreviousSecretsTable {
  client_id: string;
  secret_hash: string;
  expires_at: number;
}

export class KyselyAppSecrets implements AppSecretStore {
  private readonly db;

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<{ app_secrets: AppSecretsTable; app_previous_secrets: AppPreviousSecretsTable }>();
  }

  async add(r: AppSecretRecord): Promise<boolean> {
    const stored = await this.db
      .insertInto('app_secrets')
      .values({ client_id: r.clientId, sealed_secret: r.sealedSecret, created_at: r.createdAt })
      .onConflict((oc) => oc.column('client_id').doNothing())
      .returning('client_id')
      .execute();
    return stored.length === 1;
  }

  async get(clientId: string): Promise<AppSecretRecord | undefined> {
    const r = await this.db.selectFrom('app_secrets').selectAll().where('client_id', '=', clientId).executeTakeFirst();
    return r && { clientId: r.client_id, sealedSecret: r.sealed_secret, createdAt: r.created_at };
  }

  async list(): Promise<AppSecretRecord[]> {
    const rows = await this.db.selectFrom('app_secrets').selectAll().orderBy('client_id').execute();
    return rows.map((r) => ({ clientId: r.client_id, sealedSecret: r.sealed_secret, createdAt: r.created_at }));
  }

  async reseal(clientId: string, expected: string, next: string): Promise<boolean> {
    const r = await this.db
      .updateTable('app_secrets')
      .set({ sealed_secret: next })
      .where('client_id', '=', clientId)
      .where('sealed_secret', '=', expected)
      .executeTakeFirst();
    return r.numUpdatedRows === 1n;
  }

  async put(r: AppSecretRecord): Promise<void> {
    await this.db
      .insertInto('app_secrets')
      .values({ client_id: r.clientId, sealed_secret: r.sealedSecret, created_at: r.createdAt })
      .onConflict((oc) => oc.column('client_id').doUpdateSet({ sealed_secret: r.sealedSecret, created_at: r.createdAt }))
      .execute();
  }

  async previous(clientId: string, now: number): Promise<string | undefined> {
    const r = await this.db.selectFrom('app_previous_secrets').select('secret_hash').where('client_id', '=', clientId).where('expires_at', '>', now).executeTakeFirst();
    return r?.secret_hash;
  }

  async setPrevious(clientId: string, previous: { secretHash: string; expiresAt: number } | null): Promise<void> {
    await this.db.deleteFrom('app_previous_secrets').where('client_id', '=', clientId).execute();
    if (previous) await this.db.insertInto('app_previous_secrets').values({ client_id: clientId, secret_hash: previous.secretHash, expires_at: previous.expiresAt }).execute();
  }
}
