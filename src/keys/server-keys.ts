import { createHmac, hkdfSync, randomBytes, scrypt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Store } from '../store/types.js';

/**
 * The server key ring (issue 15, items 3 and 10). The current key writes (keyed hashes, seals,
 * CSRF tokens); every key in the ring verifies hashes and opens seals, each found by its key id,
 * so the key can be rotated without logging everyone out.
 *
 * Where keys come from:
 * - external: SHOPAUTH_SECRET, or a key file (SHOPAUTH_SECRET_FILE / --secret-file: one key per
 *   line, the first current, the others previous). A high-entropy key (32 bytes as 64 hex
 *   characters or base64/base64url) goes through HKDF-SHA256; anything else is a passphrase and
 *   goes through scrypt (N = 2^17, r = 8, p = 1) with a salt and parameters kept in the store,
 *   computed once at start.
 * - in the store (`server_key`): a random key made on first start when no external key is set.
 *   Its key id is '' and its hashes and seals carry no id (the formats from before key ids). With
 *   an external key it stays in the ring as a previous key, so hashes made under it still verify;
 *   what it sealed is resealed under the external key at start (reseal.ts).
 */
export interface ServerKey {
  /** '' for the key kept in the store; else 8 base64url characters naming the key. */
  kid: string;
  key: Buffer;
}

export interface ServerKeys {
  current: ServerKey;
  /** Current first, then the previous keys. */
  all: readonly ServerKey[];
  /** Is the current key from outside the database (SHOPAUTH_SECRET or a key file)? */
  external: boolean;
}

/** Parameters of the passphrase KDF, kept in the store once: `scrypt$N$r$p$salt`. */
const KDF_SETTING = 'server_key_kdf';
const PASSPHRASE_KDF = { N: 2 ** 17, r: 8, p: 1 };

/** 32 bytes as 64 hex characters, or as base64 / base64url (with or without padding). */
export function highEntropyKey(text: string): Buffer | null {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/]{43}=?$/.test(text) || /^[A-Za-z0-9_-]{43}$/.test(text)) {
    const bytes = Buffer.from(text.replace(/=$/, ''), text.includes('+') || text.includes('/') ? 'base64' : 'base64url');
    if (bytes.length === 32) return bytes;
  }
  return null;
}

/** A fresh high-entropy key, as a key file line. */
export const newKeyLine = (): string => randomBytes(32).toString('base64url');

const keyId = (key: Buffer): string => createHmac('sha256', key).update('shopauth key id').digest('base64url').slice(0, 8);

function scryptKey(passphrase: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(passphrase.normalize('NFC'), salt, 32, { ...params, maxmem: 256 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** One external key from its text: HKDF for a high-entropy key, scrypt with the stored salt for a passphrase. */
async function deriveKey(store: Store, text: string): Promise<ServerKey> {
  const raw = highEntropyKey(text);
  let key: Buffer;
  if (raw) {
    key = Buffer.from(hkdfSync('sha256', raw, Buffer.alloc(0), 'shopauth server key v2', 32));
  } else {
    const fresh = ['scrypt', PASSPHRASE_KDF.N, PASSPHRASE_KDF.r, PASSPHRASE_KDF.p, randomBytes(16).toString('base64url')].join('$');
    const [, n, r, p, salt] = (await store.settings.putIfAbsent(KDF_SETTING, fresh)).split('$');
    key = await scryptKey(text, Buffer.from(salt ?? '', 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
  }
  return { kid: keyId(key), key };
}

/** The lines of a key file: one key each, `#` comments and blank lines skipped. */
export async function readKeyFile(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new Error(`cannot read the key file ${path}: ${error.code ?? error.message}`);
  });
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  if (lines.length === 0) throw new Error(`the key file ${path} holds no key`);
  return lines;
}

/** The ring for this start (see the module comment). */
export async function loadServerKeys(store: Store, source: { secret: string | null; secretFile: string | null }): Promise<ServerKeys> {
  const texts = source.secretFile ? await readKeyFile(source.secretFile) : source.secret ? [source.secret] : [];
  const external: ServerKey[] = [];
  for (const text of texts) external.push(await deriveKey(store, text));
  if (external.length === 0) {
    const stored = await store.settings.putIfAbsent('server_key', randomBytes(32).toString('base64url'));
    const current = { kid: '', key: Buffer.from(stored, 'base64url') };
    return { current, all: [current], external: false };
  }
  const stored = await store.settings.get('server_key');
  const all = stored === undefined ? external : [...external, { kid: '', key: Buffer.from(stored, 'base64url') }];
  return { current: external[0]!, all, external: true };
}

/** The ring of a single key (tests, derived tools). */
export const singleKey = (key: Buffer, kid = ''): ServerKeys => {
  const current = { kid, key };
  return { current, all: [current], external: kid !== '' };
};
