import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Secrets the server must read back (JWT signing keys, client secrets kept for App URL launches),
 * sealed at rest: AES-256-GCM under a key derived with HKDF-SHA256 from the server key and a
 * purpose string, with associated data naming the row (a sealed value cannot be moved to another
 * row). Format `v1.{iv}.{ciphertext}.{tag}`, base64url. As strong as the server key: set
 * SHOPAUTH_SECRET so the key-encryption key does not live in the same database.
 */
export class Sealer {
  private readonly kek: Buffer;

  /** `purpose` is HKDF's info: each kind of secret gets its own key. */
  constructor(serverKey: Buffer, purpose: string) {
    this.kek = Buffer.from(hkdfSync('sha256', serverKey, Buffer.alloc(0), purpose, 32));
  }

  seal(associatedData: string, plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.kek, iv);
    cipher.setAAD(Buffer.from(associatedData));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv, ciphertext, cipher.getAuthTag()].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
  }

  /**
   * The plaintext; throws SealError when the format is unknown or the value does not open (another
   * server key, another row's associated data, tampering). The error never carries the value.
   */
  open(associatedData: string, sealed: string): string {
    const [version, iv, ciphertext, tag] = sealed.split('.');
    if (version !== 'v1' || !iv || !ciphertext || !tag) throw new SealError('format');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.kek, Buffer.from(iv, 'base64url'));
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
