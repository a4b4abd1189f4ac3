import { recordEvents } from '../../audit/audit.js';
import { rotateServerKey } from '../../keys/reseal.js';
import { SigningKeys } from '../../oauth/tokens/signing-keys.js';
import { loadConfig } from '../../config.js';
import { openStore } from '../../store/kysely/store.js';
import { openRegistry, parse, result, str, UsageError, type CliIO } from '../io.js';

/**
 * `shopauth keys rotate`: a new signing key for JWT access tokens. Old keys stay published until
 * their tokens expire; running servers switch within their key cache's TTL (10 seconds).
 */
export async function keysRotate(args: string[], io: CliIO): Promise<number> {
  const p = parse(args, { 'secret-file': { type: 'string' } });
  const { config, store, keys: serverKeys, deps } = await openRegistry({ db: str(p, 'db'), 'secret-file': str(p, 'secret-file') });
  try {
    const rotated = await store.transaction(async (tx) => {
      const done = await new SigningKeys(tx, deps.clock, serverKeys, { publishMs: config.lifetimes.accessMs }).rotate();
      await recordEvents(tx, deps.clock, [{ type: 'key.rotated', detail: { kid: done.kid, retired: done.retired.join(' ') } }]);
      return done;
    });
    result(
      io,
      p.values.json as boolean,
      rotated,
      `new signing key ${rotated.kid}${rotated.retired.length ? `; retired ${rotated.retired.join(', ')} (published until their tokens expire)` : ''}`,
    );
    return 0;
  } finally {
    await store.close();
  }
}

/**
 * `shopauth keys rotate-secret --secret-file PATH`: a new random server key becomes the first line
 * of the key file (created if missing, mode 0600); the keys already there stay as previous keys,
 * so hashes made under them still verify; every sealed secret is resealed under the new key.
 */
export async function keysRotateSecret(args: string[], io: CliIO): Promise<number> {
  const p = parse(args, { 'secret-file': { type: 'string' } });
  const file = str(p, 'secret-file') ?? process.env.SHOPAUTH_SECRET_FILE;
  if (!file) throw new UsageError('keys rotate-secret needs --secret-file PATH (or SHOPAUTH_SECRET_FILE)');
  if (process.env.SHOPAUTH_SECRET) throw new Error('SHOPAUTH_SECRET is set: rotation works on a key file; move the secret to a key file line first');
  const config = loadConfig({ db: str(p, 'db') });
  const store = await openStore(config.db);
  try {
    const rotated = await rotateServerKey(store, config, file);
    await recordEvents(store, { now: () => Date.now() }, [{ type: 'server_key.rotated', detail: { kid: rotated.kid, resealed: rotated.resealed } }]);
    result(
      io,
      p.values.json as boolean,
      rotated,
      [
        `new server key ${rotated.kid} written first in ${file} (${rotated.previous.length} previous key${rotated.previous.length === 1 ? '' : 's'} kept below it); ${rotated.resealed} sealed secret${rotated.resealed === 1 ? '' : 's'} resealed`,
        'Restart every server with this key file. Keep the previous lines while hashes made under them are needed (docs/security.md, "Server key").',
      ].join('\n'),
    );
    return 0;
  } finally {
    await store.close();
  }
}
