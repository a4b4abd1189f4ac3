import { readFile, rename, writeFile } from 'node:fs/promises';
import type { Store } from '../store/types.js';
import { appSecretSealer } from './sealing.js';
import { SealError } from './sealing.js';
import { loadServerKeys, newKeyLine, readKeyFile, type ServerKeys } from './server-keys.js';
import { KeySealer } from '../oauth/tokens/signing-keys.js';

/**
 * Reseals under the current server key every sealed secret (client secrets kept for App URL
 * launches, JWT signing keys) that another key of the ring sealed, in one transaction: after a
 * rotation, or when an external key replaces the one kept in the store (issue 15, item 3), nothing
 * stays sealed under a key a database copy holds. Values no key of the ring opens are counted and
 * left alone.
 */
export async function resealAll(store: Store, keys: ServerKeys): Promise<{ resealed: number; unopenable: number }> {
  const apps = appSecretSealer(keys);
  const signing = new KeySealer(keys);
  let resealed = 0;
  let unopenable = 0;
  await store.transaction(async (tx) => {
    for (const row of await tx.appSecrets.list()) {
      if (apps.isCurrent(row.sealedSecret)) continue;
      let secret: string;
      try {
        secret = apps.open(row.clientId, row.sealedSecret);
      } catch (error) {
        if (!(error instanceof SealError)) throw error;
        unopenable++;
        continue;
      }
      if (await tx.appSecrets.reseal(row.clientId, row.sealedSecret, apps.seal(row.clientId, secret))) resealed++;
    }
    for (const key of await tx.signingKeys.list(0)) {
      if (signing.isCurrent(key.sealedPrivateJwk)) continue;
      let jwk;
      try {
        jwk = signing.open(key.kid, key.sealedPrivateJwk);
      } catch {
        unopenable++;
        continue;
      }
      if (await tx.signingKeys.reseal(key.kid, key.sealedPrivateJwk, signing.seal(key.kid, jwk))) resealed++;
    }
  });
  return { resealed, unopenable };
}

/** How many sealed secrets the store holds (serve refuses to start with any and no external key). */
export async function sealedCount(store: Store): Promise<number> {
  return (await store.appSecrets.list()).length + (await store.signingKeys.list(0)).length;
}

/**
 * `shopauth keys rotate-secret`: a new random key first in the key file (written whole to a
 * temporary file, mode 0600, then renamed), the file's keys kept below it, and every sealed
 * secret resealed under the new key. The file is written first: if resealing fails, the old keys
 * are still in the ring and still open what they sealed.
 */
export async function rotateServerKey(store: Store, config: { secret: string | null }, file: string): Promise<{ kid: string; previous: string[]; resealed: number; unopenable: number }> {
  const existing = await readFile(file, 'utf8').then(
    () => readKeyFile(file),
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw new Error(`cannot read the key file ${file}: ${error.code ?? error.message}`);
    },
  );
  const temporary = `${file}.${process.pid}.tmp`;
  const header = '# shopauth server keys: the first line writes, the others only verify (docs/security.md, "Server key")\n';
  await writeFile(temporary, `${header}${[newKeyLine(), ...existing].join('\n')}\n`, { mode: 0o600, flag: 'wx' });
  await rename(temporary, file);
  const keys = await loadServerKeys(store, { secret: config.secret, secretFile: file });
  const { resealed, unopenable } = await resealAll(store, keys);
  return { kid: keys.current.kid, previous: keys.all.slice(1).map((k) => k.kid || '(kept in the database)'), resealed, unopenable };
}
