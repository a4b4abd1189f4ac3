import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { UsageLimitStore } from '../shop-types.js';

/** Migration 011: an app's own setting of the Admin API usage layer. */
type UsageTables = { app_usage_limits: { client_id: string; usage_limit: string } };

export class KyselyUsageLimits implements UsageLimitStore {
  private readonly db: Kysely<Database & UsageTables>;
  constructor(db: Kysely<Database>) {
    this.db = db.withTables<UsageTables>();
  }

  async get(clientId: string): Promise<string | undefined> {
    const r = await this.db.selectFrom('app_usage_limits').select('usage_limit').where('client_id', '=', clientId).executeTakeFirst();
    return r?.usage_limit;
  }

  async set(clientId: string, value: string | null): Promise<void> {
    if (value === null) {
      await this.db.deleteFrom('app_usage_limits').where('client_id', '=', clientId).execute();
      return;
    }
    await this.db
      .insertInto('app_usage_limits')
      .values({ client_id: clientId, usage_limit: value })
      .onConflict((oc) => oc.column('client_id').doUpdateSet({ usage_limit: value }))
      .execute();
  }
}
