import type { Mall, Store } from '../store/types.js';
import type { Caller } from './caller.js';
import type { ApiGuard } from './guard.js';
import { notFound } from './resources.js';
import { isoLocal } from './shop-time.js';

/**
 * `GET /api/v2/admin/apps` (scope mall.read_application): the calling app's own record and its
 * API version (what a call without X-Cafe24-Api-Version gets), with the versions on offer.
 */
export async function appResource(store: Store, guard: ApiGuard, mall: Mall, caller: Caller) {
  const app = await store.apps.get(caller.clientId);
  if (!app) throw notFound(`app ${caller.clientId}`);
  return {
    app: {
      client_id: app.clientId,
      app_name: app.name,
      version: guard.versionOf(app),
      initial_version: app.apiVersion,
      available_versions: guard.supportedVersions,
      version_expiration_date: null,
      scopes: [...caller.scopes],
      created_date: isoLocal(app.createdAt, mall.timezone),
    },
  };
}
