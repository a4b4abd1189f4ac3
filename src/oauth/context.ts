import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Lifetimes } from '../config.js';
import type { Store } from '../store/types.js';
import { appSecretSealer } from './app-launch.js';
import { AuditLog } from './audit.js';
import type { Sealer } from './sealing.js';
import { SecretHasher } from './secrets.js';

/** What protocol code needs from the outside world; built once at start. */
export interface OAuthContext {
  store: Store;
  clock: Clock;
  hasher: SecretHasher;
  lifetimes: Lifetimes;
  /** The server key (32 bytes), for HMACs that are not stored hashes (CSRF tokens). */
  serverKey: Buffer;
  /** Security events (oauth/audit.ts): fire-and-forget, never fails a request. */
  audit: AuditLog;
  /** Seals the client secrets kept for App URL launches (oauth/app-launch.ts). */
  secretSealer: Sealer;
}

/**
 * The server key: derived from the configured secret, or else a random key generated once and
 * kept in the store, so every instance on the same database agrees on it.
 */
export async function loadServerKey(store: Store, secret: string | null): Promise<Buffer> {
  if (secret) return createHash('sha256').update('shopauth server key\0').update(secret).digest();
  const stored = await store.settings.putIfAbsent('server_key', randomBytes(32).toString('base64url'));
  return Buffer.from(stored, 'base64url');
}

export async function createOAuthContext(options: { store: Store; clock: Clock; lifetimes: Lifetimes; secret: string | null }): Promise<OAuthContext> {
  const serverKey = await loadServerKey(options.store, options.secret);
  return {
    store: options.store,
    clock: options.clock,
    lifetimes: options.lifetimes,
    serverKey,
    hasher: new SecretHasher(serverKey),
    audit: new AuditLog(options.store, options.clock),
    secretSealer: appSecretSealer(serverKey),
  };
}
