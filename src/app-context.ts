import type { Clock } from './clock.js';
import { defaultLifetimes, type Lifetimes } from './config.js';
import type { Store } from './store/types.js';
import { appSecretSealer } from './keys/sealing.js';
import { AuditLog, type AuditInput } from './audit/audit.js';
import type { Sealer } from './keys/sealing.js';
import { SecretHasher } from './oauth/secrets.js';
import { loadServerKeys, type ServerKeys } from './keys/server-keys.js';

/**
 * Where protocol code reports what operators count (src/ops/metrics.ts implements it with
 * prom-client; oauth/ never imports it). Every call is a counter bump: cheap, never throws.
 */
export interface MetricsSink {
  /** A token pair was minted; `dialect` is the wire dialect of the token endpoint. */
  tokenIssued(grant: string, dialect: 'cafe24' | 'pod'): void;
  /** A rotated refresh token was presented again and its family revoked (RFC 9700 §4.14.2). */
  refreshReuseDetected(): void;
  /** A sign-in failed: wrong id or password, or refused by the throttle. */
  loginFailed(reason: 'wrong_credentials' | 'throttled'): void;
}

/** Counts nothing (one-shot CLI commands, tests that do not look). */
export const noMetrics: MetricsSink = { tokenIssued() {}, refreshReuseDetected() {}, loginFailed() {} };

/**
 * The audit log with a tap: every security event passes through `record` (batched) or `write`
 * (in the change's transaction), so the counters follow the same events the audit table keeps.
 */
class MeteredAuditLog extends AuditLog {
  constructor(
    store: Store,
    clock: Clock,
    private readonly metrics: MetricsSink,
  ) {
    super(store, clock);
  }

  override record(input: AuditInput): void {
    this.count(input);
    super.record(input);
  }

  // Counted when written, not when committed: a transaction that is retried (docs/store.md,
  // "Retries") or rolled back after the write counts its event anyway, a rare overcount.
  override async write(store: Store, input: AuditInput): Promise<void> {
    await super.write(store, input);
    this.count(input);
  }

  private count(input: AuditInput): void {
    try {
      if (input.type === 'token.issued') {
        const grant = String(input.detail?.grant_type ?? 'unknown');
        this.metrics.tokenIssued(grant, grant.startsWith('pod_shop_') ? 'pod' : 'cafe24');
      } else if (input.type === 'refresh.reuse_detected') this.metrics.refreshReuseDetected();
      else if (input.type === 'login.failed') this.metrics.loginFailed('wrong_credentials');
      else if (input.type === 'login.throttled') this.metrics.loginFailed('throttled');
    } catch {
      // A counter never fails a request.
    }
  }
}

/**
 * The app's dependency bag: what protocol, console and API code need from the outside world.
 * Built in one place (assembleAppContext): the server, the CLI, the demo and the tests all use it.
 */
export interface AppContext {
  store: Store;
  clock: Clock;
  hasher: SecretHasher;
  lifetimes: Lifetimes;
  /** The server key ring (server-keys.ts): the current key writes, every key verifies. */
  keys: ServerKeys;
  /** The current server key (32 bytes), for HMACs that are not stored hashes (CSRF tokens). */
  serverKey: Buffer;
  /** Security events (audit/audit.ts): fire-and-forget, never fails a request. */
  audit: AuditLog;
  /** Seals the client secrets kept for App URL launches (operator-console/app-launch.ts). */
  secretSealer: Sealer;
  /** Operational counters (src/ops/metrics.ts in the server, `noMetrics` elsewhere). */
  metrics: MetricsSink;
}

/** Loads the server key ring from the configured secret or key file, then assembles the context. */
export async function createAppContext(options: {
  store: Store;
  clock: Clock;
  lifetimes: Lifetimes;
  secret: string | null;
  secretFile?: string | null;
  metrics?: MetricsSink;
}): Promise<AppContext> {
  const keys = await loadServerKeys(options.store, { secret: options.secret, secretFile: options.secretFile ?? null });
  return assembleAppContext({ ...options, keys });
}

/** The one place the context's parts are put together, from a key ring already loaded. */
export function assembleAppContext(options: { store: Store; clock: Clock; keys: ServerKeys; lifetimes?: Lifetimes; metrics?: MetricsSink }): AppContext {
  const { keys } = options;
  const metrics = options.metrics ?? noMetrics;
  return {
    store: options.store,
    clock: options.clock,
    lifetimes: options.lifetimes ?? defaultLifetimes,
    keys,
    serverKey: keys.current.key,
    hasher: new SecretHasher(keys),
    audit: metrics === noMetrics ? new AuditLog(options.store, options.clock) : new MeteredAuditLog(options.store, options.clock, metrics),
    secretSealer: appSecretSealer(keys),
    metrics,
  };
}
