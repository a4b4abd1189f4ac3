import { recordEvents } from '../../oauth/audit.js';
import { loadServerKey } from '../../oauth/context.js';
import { SigningKeys } from '../../oauth/tokens/signing-keys.js';
import { openRegistry, parse, result, str, type CliIO } from '../io.js';

/**
 * `shopauth keys rotate`: a new signing key for JWT access tokens. Old keys stay published until
 * their tokens expire; running servers switch within their key cache's TTL (10 seconds).
 */
export async function keysRotate(args: string[], io: CliIO): Promise<number> {
  const p = parse(args, {});
  const { config, store, deps } = await openRegistry({ db: str(p, 'db') });
  try {
    const keys = new SigningKeys(store, deps.clock, await loadServerKey(store, config.secret), { publishMs: config.lifetimes.accessMs });
    const rotated = await keys.rotate();
    await recordEvents(store, deps.clock, [{ type: 'key.rotated', detail: { kid: rotated.kid, retired: rotated.retired.join(' ') } }]);
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
