import type { Clock } from '../clock.js';
import type { Lifetimes } from '../config.js';
import type { Store } from '../store/types.js';
import { appSecretSealer } from './app-launch.js';
import { AuditLog } from './audit.js';
import type { Sealer } from './sealing.js';
import { SecretHasher } from './secrets.js';
import { loadServerKeys, type ServerKeys } from './server-keys.js';

/** What protocol code needs from the outside world; built once at start. */
export interface OAuthContext {
  store: Store;
  clock: Clock;
  hasher: SecretHasher;
  lifetimes: Lifetimes;
  /** The server key ring (server-keys.ts): the current key writes, every key verifies. */
  keys: ServerKeys;
  /** The current server key (32 bytes), for HMACs that are not stored hashes (CSRF tokens). */
  serverKey: Buffer;
  /** Security events (oauth/audit.ts): fire-and-forget, never fails a request. */
  audit: AuditLog;
  /** Seals the client secrets kept for App URL launches (oauth/app-launch.ts). */
  secretSealer: Sealer;
}

export async function createOAuthContext(options: {
  store: Store;
  clock: Clock;
  lifetimes: Lifetimes;
  secret: string | null;
  secretFile?: string | null;
}): Promise<OAuthContext> {
  const keys = await loadServerKeys(options.store, { secret: options.secret, secretFile: options.secretFile ?? null });
  return {
    store: options.store,
    clock: options.clock,
    lifetimes: options.lifetimes,
    keys,
    serverKey: keys.current.key,
    hasher: new SecretHasher(keys),
    audit: new AuditLog(options.store, options.clock),
    secretSealer: appSecretSealer(keys),
  };
}
