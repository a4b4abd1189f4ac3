import type { ShopStore } from './shop-types.js';
import type { WebhookStore } from './webhook-types.js';

/**
 * The storage seam: small interfaces keyed by hash, one implementation over kysely
 * (store/kysely/), with SQLite and PostgreSQL differing only in store/dialects/.
 */
export interface Mall {
  mallId: string;
  name: string;
  timezone: string;
  shopNo: number;
  createdAt: number;
}

export type OperatorType = 'P' | 'A';

export interface Operator {
  mallId: string;
  userId: string;
  passwordHash: string;
  userType: OperatorType;
  name: string;
}

export interface App {
  clientId: string;
  secretHash: string | null;
  kind: 'app' | 'credentials';
  mallId: string | null;
  name: string;
  appUrl: string;
  redirectUris: string[];
  scopes: string[];
  clientType: 'confidential' | 'public';
  rateLimit: string | null;
  apiVersion: string | null;
  createdAt: number;
  revokedAt: number | null;
}

export interface Grant {
  grantId: string;
  mallId: string;
  clientId: string;
  userId: string;
  scopes: string[];
  createdAt: number;
  updatedAt: number;
  revokedAt: number | null;
}

export interface AuthCode {
  codeHash: string;
  mallId: string;
  clientId: string;
  userId: string;
  grantId: string;
  familyId: string;
  redirectUri: string;
  scopes: string[];
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
  expiresAt: number;
  consumedAt: number | null;
  createdAt: number;
}

/**
 * A transaction the database kept aborting (deadlock, serialization failure, busy) after every
 * retry (store/kysely/retry.ts): a temporary condition, answered 503, never 500.
 */
export class StoreBusyError extends Error {
  constructor(cause: unknown) {
    super('the database is busy; the transaction was retried and still failed', { cause });
    this.name = 'StoreBusyError';
  }
}

export interface TokenRecord {
  tokenHash: string;
  kind: 'access' | 'refresh';
  mallId: string;
  clientId: string;
  userId: string;
  grantId: string | null;
  familyId: string;
  scopes: string[];
  jti: string | null;
  issuedAt: number;
  expiresAt: number;
  rotatedAt: number | null;
  revokedAt: number | null;
  /** The refresh token's hash this pair was rotated from; null or absent for the first pair of a family. */
  parentHash?: string | null;
}

export interface Session {
  sessionHash: string;
  mallId: string;
  userId: string;
  createdAt: number;
  expiresAt: number;
}

export interface MallStore {
  create(mall: Mall): Promise<void>;
  get(mallId: string): Promise<Mall | undefined>;
  list(): Promise<Mall[]>;
}

export interface OperatorStore {
  add(operator: Operator & { createdAt: number }): Promise<void>;
  get(mallId: string, userId: string): Promise<Operator | undefined>;
  /** Replaces the password hash if it is still `expected` (a rehash with stronger parameters); says whether it did. */
  replacePasswordHash(mallId: string, userId: string, expected: string, next: string): Promise<boolean>;
  /** The mall's operators, representative first, then by user id. */
  list(mallId: string): Promise<Operator[]>;
  /** Removes an operator; says whether one was removed. */
  remove(mallId: string, userId: string): Promise<boolean>;
}

export interface AppStore {
  create(app: App): Promise<void>;
  get(clientId: string): Promise<App | undefined>;
  list(filter?: { kind?: App['kind']; mallId?: string }): Promise<App[]>;
  /** Revokes the app (or credentials) with every live grant and token of it. */
  revoke(clientId: string, now: number): Promise<boolean>;
  /** Changes what a developer may edit of a live app; says whether it was changed. */
  update(clientId: string, fields: Pick<App, 'name' | 'appUrl' | 'redirectUris' | 'scopes'>): Promise<boolean>;
  /** Replaces the client secret's hash of a live app. */
  setSecretHash(clientId: string, secretHash: string): Promise<boolean>;
}

export interface GrantStore {
  /** Records consent: one grant per (mall, app, operator); a new consent replaces the scopes. */
  upsert(grant: Omit<Grant, 'grantId' | 'createdAt' | 'revokedAt'> & { grantId: string }): Promise<Grant>;
  get(grantId: string): Promise<Grant | undefined>;
  list(mallId: string): Promise<Grant[]>;
  /** Revokes the grant and every live token issued under it. */
  revoke(grantId: string, now: number): Promise<boolean>;
}

export type CodeConsumption =
  | { status: 'ok'; code: AuthCode }
  | { status: 'replayed'; code: AuthCode }
  | { status: 'unknown' };

export interface CodeStore {
  save(code: AuthCode): Promise<void>;
  /** The code as stored, consumed or not. */
  get(codeHash: string): Promise<AuthCode | undefined>;
  /**
   * Marks the code used, atomically: exactly one caller ever gets 'ok' (RFC 6749 §4.1.2). Only
   * the client and mall it was issued to consume it (issue 15, item 5): for anyone else it is
   * 'unknown' and stays as it was; a used one comes back 'replayed' to its own client only.
   */
  consume(codeHash: string, by: { clientId: string; mallId: string }, now: number): Promise<CodeConsumption>;
}

export type RefreshRotation =
  | { status: 'ok'; token: TokenRecord }
  /** Rotated before: presenting it again is reuse (or a grace retry). */
  | { status: 'reused'; token: TokenRecord }
  /** Revoked or expired. */
  | { status: 'dead'; token: TokenRecord }
  | { status: 'unknown' };

/** Whose change a token family's lock serializes (docs/store.md, "Lock order"). */
export interface FamilyOwner {
  grantId: string | null;
  clientId: string;
  familyId: string;
}

export interface TokenStore {
  save(tokens: TokenRecord[]): Promise<void>;
  get(tokenHash: string): Promise<TokenRecord | undefined>;
  findByJti(jti: string): Promise<TokenRecord | undefined>;
  /**
   * Locks the family for the rest of the transaction, before any of its token rows (docs/store.md,
   * "Lock order"): its grant row FOR UPDATE; for a family without a grant (POD Shop credentials)
   * the app row FOR SHARE, then the family's own lock. Says whether that grant (or app) is live,
   * as read under the lock. Inside `Store.transaction` only.
   */
  lockFamily(owner: FamilyOwner): Promise<boolean>;
  /**
   * Marks a live refresh token rotated, atomically: of concurrent callers exactly one gets 'ok';
   * a token already rotated comes back as 'reused' (RFC 9700 §4.14.2), a revoked or expired one
   * as 'dead'. Only a token neither revoked nor expired at `now` is rotated (issue 15, item 1).
   */
  rotate(tokenHash: string, now: number): Promise<RefreshRotation>;
  /**
   * The one grace retry of a rotated refresh token (issue 15, item 6): the first time, if the
   * pair it was rotated into is untouched (its refresh token neither rotated nor revoked), that
   * pair is revoked and true returned: the caller issues the replacement. Any later time, or
   * once that pair was used, false: reuse. Under the family's lock.
   */
  retryRotated(tokenHash: string, now: number): Promise<boolean>;
  /** Revokes every live token of a family; returns how many. */
  revokeFamily(familyId: string, now: number): Promise<number>;
}

export interface SessionStore {
  create(session: Session): Promise<void>;
  get(sessionHash: string, now: number): Promise<Session | undefined>;
  delete(sessionHash: string): Promise<void>;
}

export interface SettingStore {
  get(key: string): Promise<string | undefined>;
  /** Stores the value unless the key exists; returns the value that is stored. */
  putIfAbsent(key: string, value: string): Promise<string>;
}

/** A security event (issue 5). Never a secret, token, code or hash in any field. */
export interface AuditEvent {
  id: string;
  at: number;
  /** e.g. login.ok, login.failed, consent.given, token.issued, refresh.reuse_detected (audit/audit.ts). */
  type: string;
  mallId: string | null;
  clientId: string | null;
  userId: string | null;
  ip: string | null;
  traceId: string | null;
  detail: Record<string, string | number | boolean | null> | null;
}

export interface AuditStore {
  append(events: AuditEvent[]): Promise<void>;
  /** Newest first. */
  list(filter?: { mallId?: string; type?: string; limit?: number }): Promise<AuditEvent[]>;
}

/** A JWT signing key (RFC 9068): public JWK in clear, private JWK sealed (oauth/tokens/signing-keys.ts). */
export interface SigningKeyRecord {
  kid: string;
  alg: string;
  /** JSON of the public JWK. */
  publicJwk: string;
  /** The private JWK, sealed: never in plaintext at rest. */
  sealedPrivateJwk: string;
  createdAt: number;
  /** Set when a newer key took over signing; still published until its tokens expire. */
  retiredAt: number | null;
}

export interface SigningKeyStore {
  /** The active key(s) first, then keys retired after `retiredAfter`, most recently retired first. */
  list(retiredAfter: number): Promise<SigningKeyRecord[]>;
  /** Adds `key` as the active key and retires every other active key, atomically; returns their kids. */
  rotate(key: SigningKeyRecord, now: number): Promise<string[]>;
  /** Deletes keys retired before `retiredBefore`; returns how many. */
  prune(retiredBefore: number): Promise<number>;
  /** Replaces a key's sealed private JWK if it is still `expected` (resealing under a new server key); says whether it did. */
  reseal(kid: string, expected: string, next: string): Promise<boolean>;
}

/** An app's client secret kept for App URL launches (wire.md), sealed (operator-console/app-launch.ts). */
export interface AppSecretRecord {
  clientId: string;
  /** Never the secret itself: AES-256-GCM, client_id as associated data. */
  sealedSecret: string;
  createdAt: number;
}

export interface AppSecretStore {
  /** Stores the sealed secret unless the app has one; says whether it was stored. */
  add(record: AppSecretRecord): Promise<boolean>;
  get(clientId: string): Promise<AppSecretRecord | undefined>;
  /** Every kept secret (resealing under a new server key; one row per confidential app). */
  list(): Promise<AppSecretRecord[]>;
  /** Replaces the sealed secret if it is still `expected`; says whether it did. */
  reseal(clientId: string, expected: string, next: string): Promise<boolean>;
  /** Stores the sealed secret, replacing the app's (secret rotation). */
  put(record: AppSecretRecord): Promise<void>;
  /** The previous secret's keyed hash while its grace lasts (secret rotation), else undefined. */
  previous(clientId: string, now: number): Promise<string | undefined>;
  /** Keeps the previous secret's hash until `expiresAt`, or (null) forgets it. */
  setPrevious(clientId: string, previous: { secretHash: string; expiresAt: number } | null): Promise<void>;
}

/** A developer account of the developer center (issue 11). */
export interface Developer {
  developerId: string;
  /** Lower-cased; unique. */
  email: string;
  name: string;
  /** scrypt, like operator passwords. */
  passwordHash: string;
  /** Sees and adopts apps no developer owns (set with `shopauth developer admin EMAIL`). */
  platformAdmin: boolean;
  /** The sandbox mall "test run" made for this developer, once. */
  sandboxMallId: string | null;
  createdAt: number;
}

export interface DeveloperStore {
  create(developer: Developer): Promise<void>;
  get(developerId: string): Promise<Developer | undefined>;
  byEmail(email: string): Promise<Developer | undefined>;
  setPlatformAdmin(developerId: string, on: boolean): Promise<void>;
  /** Records the sandbox mall unless one is recorded; returns the recorded one. */
  setSandboxMall(developerId: string, mallId: string): Promise<string>;
  /** Makes the developer the app's owner (replacing any owner). */
  own(clientId: string, developerId: string): Promise<void>;
  ownerOf(clientId: string): Promise<string | undefined>;
  /** Client ids of the developer's apps, oldest first. */
  appsOf(developerId: string): Promise<string[]>;
  /** Client ids of live apps (kind 'app') that no developer owns. */
  unowned(): Promise<string[]>;
}

/** What POD Shop's client said of an order created through /ac/api/external/orders. */
export interface PodOrderRef {
  orderId: string;
  /** The client's order id: unique per mall. */
  orderCode: string;
  /** The client's customer reference as sent (opaque), or null. */
  storeCustomerId: string | null;
}

/** POD Shop's orderCode and storeCustomerId of orders created through /ac/api/external/orders (one per order). */
export interface PodOrderCodeStore {
  /** Records the codes; false if any was already taken (the others may be written: call it in a transaction and abort then). */
  add(mallId: string, refs: PodOrderRef[]): Promise<boolean>;
  /** orderCode -> orderId, for the codes that exist. */
  byCode(mallId: string, orderCodes: string[]): Promise<Map<string, string>>;
  /** orderId -> its reference, for the orders that have one. */
  byOrder(mallId: string, orderIds: string[]): Promise<Map<string, PodOrderRef>>;
}

export interface PurgeCounts {
  codes: number;
  tokens: number;
  sessions: number;
  audit: number;
}

export interface PurgeStore {
  /**
   * Deletes codes, tokens and sessions that expired before `before`, and audit events written
   * before `auditBefore` (none when null), at most `batch` rows per statement; says how many.
   */
  expired(before: number, batch: number, auditBefore: number | null): Promise<PurgeCounts>;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly malls: MallStore;
  readonly operators: OperatorStore;
  readonly apps: AppStore;
  readonly grants: GrantStore;
  readonly codes: CodeStore;
  readonly tokens: TokenStore;
  readonly sessions: SessionStore;
  readonly settings: SettingStore;
  readonly signingKeys: SigningKeyStore;
  readonly podOrderCodes: PodOrderCodeStore;
  readonly appSecrets: AppSecretStore;
  readonly developers: DeveloperStore;
  readonly audit: AuditStore;
  /** Expired codes, tokens and sessions, deleted on a schedule (ops/purge.ts). */
  readonly purge: PurgeStore;
  /** Products, customers and orders behind the Admin API (store/shop-types.ts). */
  readonly shop: ShopStore;
  /** Webhook subscriptions, the outbox, deliveries and attempts (store/webhook-types.ts). */
  readonly webhooks: WebhookStore;
  /**
   * Runs fn in one transaction: all of its writes land, or none. A transaction the database
   * aborts as retryable (deadlock, serialization failure, busy) runs again from the start, so fn
   * must keep its effects inside the store (docs/store.md, "Retries").
   */
  transaction<T>(fn: (store: Store) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
