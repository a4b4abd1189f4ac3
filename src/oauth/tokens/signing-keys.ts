import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { Clock } from '../../clock.js';
import type { SigningKeyRecord, Store } from '../../store/types.js';
import type { AppContext } from '../../app-context.js';
import { SealError, Sealer } from '../../keys/sealing.js';
import { randomToken } from '../secrets.js';
import type { ServerKeys } from '../../keys/server-keys.js';

/** RFC 9068 §2.1: asymmetric signatures; ES256 is the one every JOSE library verifies. */
export const SIGNING_ALG = 'ES256';

/**
 * The private JWK at rest, sealed (keys/sealing.ts) under its own HKDF purpose with the kid as
 * associated data (a sealed key cannot be moved to another row).
 */
export class KeySealer {
  private readonly sealer: Sealer;

  constructor(keys: ServerKeys) {
    this.sealer = new Sealer(keys, 'shopauth signing-key encryption v1');
  }

  /** Is this sealed private JWK under the current server key? */
  isCurrent(sealed: string): boolean {
    return this.sealer.isCurrent(sealed);
  }

  seal(kid: string, jwk: JWK): string {
    return this.sealer.seal(kid, JSON.stringify(jwk));
  }

  open(kid: string, sealed: string): JWK {
    try {
      return JSON.parse(this.sealer.open(kid, sealed)) as JWK;
    } catch (error) {
      if (error instanceof SealError && error.reason === 'format') throw new Error(`signing key ${kid}: unknown sealed format`);
      throw new Error(`signing key ${kid} cannot be unsealed: the server key that sealed it is not configured (SHOPAUTH_SECRET or the key file)`);
    }
  }
}

/** A fresh key pair: the record to store (private part sealed) and its kid. */
export async function newSigningKey(sealer: KeySealer, now: number): Promise<SigningKeyRecord> {
  const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const kid = randomToken(12);
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: SIGNING_ALG, use: 'sig' };
  return { kid, alg: SIGNING_ALG, publicJwk: JSON.stringify(publicJwk), sealedPrivateJwk: sealer.seal(kid, await exportJWK(privateKey)), createdAt: now, retiredAt: null };
}

interface KeySet {
  loadedAt: number;
  signing: { kid: string; key: CryptoKey };
  verify: ReadonlyMap<string, CryptoKey>;
  /** The JWK Set document (RFC 7517 §5), serialized once per load. */
  jwks: string;
}

export interface SigningKeysOptions {
  /** Longest lifetime of a token these keys sign: a retired key stays published this long. */
  publishMs: number;
  /** How long the in-memory set is trusted before the store is read again (rotation by another process). */
  ttlMs?: number;
}

/** An unknown kid reloads the set at most this often, so forged kids cannot hammer the store. */
const MIN_RELOAD_MS = 1000;
/** Clock skew allowed on top of the token lifetime before a retired key is unpublished. */
const SKEW_MS = 5 * 60_000;

/**
 * The signing keys of JWT access tokens, cached in memory. The store is the truth: every `ttlMs`
 * (and on an unknown kid) the set is read again, so `shopauth keys rotate` in another process, or
 * another server on the same database, is picked up without a restart.
 */
export class SigningKeys {
  private readonly sealer: KeySealer;
  private readonly ttlMs: number;
  private cached: KeySet | undefined;
  private loading: Promise<KeySet> | undefined;
  /** Imported keys by kid, kept across reloads: importing is the costly part. */
  private readonly imported = new Map<string, CryptoKey>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    keys: ServerKeys,
    private readonly options: SigningKeysOptions,
  ) {
    this.sealer = new KeySealer(keys);
    this.ttlMs = options.ttlMs ?? 10_000;
  }

  /** The key new tokens are signed with. */
  async signingKey(): Promise<{ kid: string; key: CryptoKey }> {
    return (await this.keySet()).signing;
  }

  /** The public key of `kid`, if it is still published. */
  async verificationKey(kid: string | undefined): Promise<CryptoKey | undefined> {
    if (kid === undefined) return undefined;
    let set = await this.keySet();
    if (!set.verify.has(kid) && this.clock.now() - set.loadedAt >= MIN_RELOAD_MS) set = await this.reload();
    return set.verify.get(kid);
  }

  /** The JWK Set document served at /.well-known/jwks.json. */
  async jwks(): Promise<string> {
    return (await this.keySet()).jwks;
  }

  /** Makes a new key the signing key; the old ones stay published until their tokens expire. */
  async rotate(): Promise<{ kid: string; retired: string[]; pruned: number }> {
    const now = this.clock.now();
    const key = await newSigningKey(this.sealer, now);
    const retired = await this.store.signingKeys.rotate(key, now);
    const pruned = await this.store.signingKeys.prune(now - this.publishMs());
    this.cached = undefined;
    return { kid: key.kid, retired, pruned };
  }

  private publishMs(): number {
    return this.options.publishMs + SKEW_MS;
  }

  private keySet(): Promise<KeySet> | KeySet {
    const set = this.cached;
    if (set && this.clock.now() - set.loadedAt < this.ttlMs) return set;
    return this.reload();
  }

  private reload(): Promise<KeySet> {
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async load(): Promise<KeySet> {
    const now = this.clock.now();
    let rows = await this.store.signingKeys.list(now - this.publishMs());
    if (!rows.some((r) => r.retiredAt === null)) {
      // First start on this database: make the first key.
      await this.store.signingKeys.rotate(await newSigningKey(this.sealer, now), now);
      rows = await this.store.signingKeys.list(now - this.publishMs());
    }
    const active = rows.find((r) => r.retiredAt === null);
    if (!active) throw new Error('no active signing key');
    const verify = new Map<string, CryptoKey>();
    const published: JWK[] = [];
    for (const row of rows) {
      const jwk = JSON.parse(row.publicJwk) as JWK;
      published.push(jwk);
      verify.set(row.kid, await this.import(`public:${row.kid}`, jwk, row.alg));
    }
    const signing = { kid: active.kid, key: await this.import(`private:${active.kid}`, () => this.sealer.open(active.kid, active.sealedPrivateJwk), active.alg) };
    for (const name of this.imported.keys()) {
      if (!verify.has(name.slice(name.indexOf(':') + 1))) this.imported.delete(name);
    }
    this.cached = { loadedAt: now, signing, verify, jwks: JSON.stringify({ keys: published }) };
    return this.cached;
  }

  private async import(name: string, jwk: JWK | (() => JWK), alg: string): Promise<CryptoKey> {
    let key = this.imported.get(name);
    if (!key) {
      key = (await importJWK(typeof jwk === 'function' ? jwk() : jwk, alg)) as CryptoKey;
      this.imported.set(name, key);
    }
    return key;
  }
}

const perContext = new WeakMap<AppContext, SigningKeys>();

/** The signing keys of a server (one per context, made on first use). */
export function signingKeysOf(ctx: AppContext): SigningKeys {
  let keys = perContext.get(ctx);
  if (!keys) {
    // The longest access-token lifetime: Cafe24's 2 hours (POD Shop's is 1 hour).
    keys = new SigningKeys(ctx.store, ctx.clock, ctx.keys, { publishMs: ctx.lifetimes.accessMs });
    perContext.set(ctx, keys);
  }
  return keys;
}
