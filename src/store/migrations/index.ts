import type { Migration, MigrationProvider } from 'kysely';
import * as m001 from './001-initial.js';
import * as m002 from './002-signing-keys.js';
import * as m003 from './003-shop-data.js';
import * as m004 from './004-audit.js';
import * as m005 from './005-pod-order-codes.js';
import * as m006 from './006-pod-store-customer-id.js';
import * as m007 from './007-app-secrets.js';
import * as m008 from './008-token-indexes.js';
import * as m009 from './009-token-lineage.js';
import * as m011 from './011-categories-scripttags.js';
import * as m012 from './012-variants.js';
import * as m013 from './013-developers.js';
import * as m015 from './015-webhooks.js';

/**
 * Versioned migrations, applied in name order at start and by `shopauth migrate`.
 * A new migration is a new file here and one line below; never edit a landed one.
 */
const migrations: Record<string, Migration> = {
  '001-initial': m001,
  '002-signing-keys': m002,
  '003-shop-data': m003,
  '004-audit': m004,
  '005-pod-order-codes': m005,
  '006-pod-store-customer-id': m006,
  '007-app-secrets': m007,
  '008-token-indexes': m008,
  '009-token-lineage': m009,
  '011-categories-scripttags': m011,
  '012-variants': m012,
  '013-developers': m013,
  '015-webhooks': m015,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};

