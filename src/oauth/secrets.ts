import { createHmac, randomBytes, scrypt, timingSafeEqual, type BinaryLike } from 'node:crypto';
import type { ServerKeys } from '../keys/server-keys.js';

// CSPRNG output drawn 4 KiB at a time and cut per use, as Node's own randomUUID does: one call
// into OpenSSL (with its fork-check syscall) per 4 KiB instead of per token (docs/performance.md).
// Each slice is used once and zeroed once used.
const POOL = 4096;
let pool = Buffer.alloc(0);
let poolAt = POOL;

/** `bytes` random bytes from the CSPRNG, as text. */
export function randomText(bytes: number, encoding: 'base64url' | 'hex'): string {
  if (bytes > POOL) return randomBytes(bytes).toString(encoding);
  if (poolAt + bytes > POOL) {
    pool = randomBytes(POOL);
    poolAt = 0;
  }
  const text = pool.toString(encoding, poolAt, poolAt + bytes);
  pool.fill(0, poolAt, (poolAt += bytes));
  return text;
}

/** 256 bits of randomness, base64url: codes, tokens, session ids. */
export const randomToken = (bytes = 32): string => randomText(bytes, 'base64url');

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** An alphanumeric id without modulo bias, Cafe24-looking (client ids: 22 chars, ~131 bits). */
export function randomAlnum(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALNUM[byte % 62];
    }
  }
  return out;
}

/**
 * A keyed fast hash (HMAC-SHA256 under the server key) for high-entropy secrets: client secrets,
 * codes, tokens, session ids. Slow hashes are for passwords only (RFC 9700 §2.7 leaves the choice;
 * a 256-bit random secret needs no stretching). Each hash names the key that made it,
 * `{kid}.{hmac}` (no prefix for the key kept in the store, kid ''), so after a rotation the
 * previous keys still verify (server-keys.ts).
 */
export class SecretHasher {
  private readonly byKid: ReadonlyMap<string, Buffer>;

  constructor(private readonly keys: ServerKeys) {
    this.byKid = new Map(keys.all.map((k) => [k.kid, k.key]));
  }

  private static mac(key: Buffer, secret: string, purpose: string): string {
    return createHmac('sha256', key).update(purpose).update(secret).digest('base64url');
  }

  private static tagged(kid: string, mac: string): string {
    return kid === '' ? mac : `${kid}.${mac}`;
  }

  /** The hash to store, under the current key. */
  hash(secret: string, purpose = ''): string {
    return SecretHasher.tagged(this.keys.current.kid, SecretHasher.mac(this.keys.current.key, secret, purpose));
  }

  /** The hash under every key of the ring, current first: a lookup by hash tries them in turn. */
  candidates(secret: string, purpose = ''): string[] {
    return this.keys.all.map((k) => SecretHasher.tagged(k.kid, SecretHasher.mac(k.key, secret, purpose)));
  }

  /** Constant-time check of a presented secret against its stored hash, under the key the hash names. */
  verify(secret: string, storedHash: string, purpose = ''): boolean {
    const dot = storedHash.indexOf('.');
    const kid = dot < 0 ? '' : storedHash.slice(0, dot);
    const key = this.byKid.get(kid);
    if (!key) return safeEqual(this.hash(secret, purpose), `${storedHash}\0`);
    return safeEqual(SecretHasher.tagged(kid, SecretHasher.mac(key, secret, purpose)), storedHash);
  }

  /** The first of `candidates` that `find` finds, with what it found; one lookup with a single key. */
  async lookup<T>(secret: string, find: (hash: string) => Promise<T | undefined>, purpose = ''): Promise<{ hash: string; found: T } | undefined> {
    // One key at a time: the current key's hash finds nearly every secret, so the others are rarely computed.
    for (const k of this.keys.all) {
      const hash = SecretHasher.tagged(k.kid, SecretHasher.mac(k.key, secret, purpose));
      const found = await find(hash);
      if (found !== undefined) return { hash, found };
    }
    return undefined;
  }
}

/** Constant-time string comparison; different lengths compare unequal without early exit on content. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  if (x.length !== y.length) {
    timingSafeEqual(x, x);
    return false;
  }
  return timingSafeEqual(x, y);
}

/**
 * Operator passwords: scrypt with OWASP's parameters (N = 2^17, r = 8, p = 1; issue 15, item 9).
 * It needs 128 * N * r = 128 MiB per hash, above Node's 32 MiB default maxmem, so maxmem is
 * raised to 256 MiB; at most libuv's thread pool (4 by default) run at once.
 */
export const SCRYPT = { N: 2 ** 17, r: 8, p: 1, keylen: 32 } as const;
const SCRYPT_MAXMEM = 256 * 1024 * 1024;

const scryptAsync = (password: BinaryLike, salt: BinaryLike, keylen: number, options: { N: number; r: number; p: number }) =>
  new Promise<Buffer>((resolve, reject) =>
    scrypt(password, salt, keylen, { ...options, maxmem: SCRYPT_MAXMEM }, (err, key) => (err ? reject(err) : resolve(key))),
  );

/** Operator passwords: scrypt, self-describing `scrypt$N$r$p$salt$hash`. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password.normalize('NFC'), salt, SCRYPT.keylen, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

// Verified when the account is unknown, so timing does not tell which user ids exist.
const DUMMY = `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`;

/** Was this stored hash made with weaker parameters than today's? Then it is redone at the next successful login. */
export function needsRehash(stored: string): boolean {
  const [alg, n, r, p] = stored.split('$');
  return alg !== 'scrypt' || Number(n) < SCRYPT.N || Number(r) < SCRYPT.r || Number(p) < SCRYPT.p;
}

export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  const [alg, n, r, p, salt, hash] = (stored ?? DUMMY).split('$');
  if (alg !== 'scrypt' || !salt || !hash) return false;
  const N = Number(n);
  // A stored hash names its own cost: anything beyond today's parameters is refused, not computed.
  if (!(N >= 2 && N <= SCRYPT.N && Number(r) >= 1 && Number(r) <= SCRYPT.r && Number(p) >= 1 && Number(p) <= 4)) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scryptAsync(password.normalize('NFC'), Buffer.from(salt, 'base64url'), expected.length, { N, r: Number(r), p: Number(p) });
  return stored !== undefined && timingSafeEqual(key, expected);
}
