import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { ServerKeys } from './server-keys.js';

/**
 * Secrets the server must read back (JWT signing keys, client secrets kept for App URL launches),
 * sealed at rest: AES-256-GCM under a key derived with HKDF-SHA256 from a server key and a
 * purpose string, with associated data naming the row (a sealed value cannot be moved to another
 * row). Format `v2.{kid}.{iv}.{ciphertext}.{tag}` (base64url), naming the server key; `v1.{iv}...`
 * (no kid) for the key kept in the store (server-keys.ts). As strong as the server key: an
 * external one (SHOPAUTH_SECRET or a key file) keeps the key-encryption key out of the database.
 */
export class Sealer {
  private readonly keks: ReadonlyMap<string, Buffer>;
  private readonly currentKid: string;

  /** `purpose` is HKDF's info: each kind of secret gets its own key. */
  constructor(keys: ServerKeys, purpose: string) {
    this.keks = new Map(keys.all.map((k) => [k.kid, Buffer.from(hkdfSync('sha256', k.key, Buffer.alloc(0), purpose, 32))]));
    this.currentKid = keys.current.kid;
  }

  seal(associatedData: string, plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keks.get(this.currentKid)!, iv);
    cipher.setAAD(Buffer.from(associatedData));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const parts = [iv, ciphertext, cipher.getAuthTag()].map((p) => p.toString('base64url'));
    return (this.currentKid === '' ? ['v1', ...parts] : ['v2', this.currentKid, ...parts]).join('.');
  }

  /** Is this sealed value under the current key (else it should be resealed)? */
  isCurrent(sealed: string): boolean {
    return this.currentKid === '' ? sealed.startsWith('v1.') : sealed.startsWith(`v2.${this.currentKid}.`);
  }

  /**
   * The plaintext; throws SealError when the format is unknown or the value does not open (a key
   * not in the ring, another row's associated data, tampering). The error never carries the value.
   */
  open(associatedData: string, sealed: string): string {
    const fields = sealed.split('.');
    const [kid, iv, ciphertext, tag] = fields[0] === 'v1' && fields.length === 4 ? ['', ...fields.slice(1)] : fields[0] === 'v2' && fields.length === 5 ? fields.slice(1) : [];
    if (kid === undefined || !iv || !ciphertext || !tag) throw new SealError('format');
    const kek = this.keks.get(kid);
    if (!kek) throw new SealError('key');
    try {
      const decipher = createDecipheriv('aes-256-gcm', kek, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(associatedData));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SealError('key');
    }
  }
}

/** Why a sealed value did not open: an unknown format, or the wrong key / associated data. */
export class SealError extends Error {
  override readonly name = 'SealError';
  constructor(readonly reason: 'format' | 'key') {
    super(reason === 'format' ? 'unknown sealed format' : 'cannot be unsealed');
  }
}

/** The client secrets kept for App URL launches are sealed under their own key (operator-console/app-launch.ts). */
export const appSecretSealer = (keys: ServerKeys): Sealer => new Sealer(keys, 'shopauth app-secret encryption v1');
