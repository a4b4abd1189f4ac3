import { recordEvents } from '../../audit/audit.js';
import { revokeGrants } from '../../registry/registry.js';
import type { Grant } from '../../store/types.js';
import { arg, iso, openRegistry, parse, result, str, type CliIO } from '../io.js';

const describe = (g: Grant) => ({
  grant_id: g.grantId,
  mall_id: g.mallId,
  client_id: g.clientId,
  user_id: g.userId,
  scopes: g.scopes,
  created_at: iso(g.createdAt),
  updated_at: iso(g.updatedAt),
  revoked_at: iso(g.revokedAt),
});

/** `shopauth grants list MALL_ID`: which apps the mall's operators have let in, with what scopes. */
export async function grantsList(args: string[], io: CliIO): Promise<number> {
  const p = parse(args, {});
  const mallId = arg(p, 0, 'MALL_ID');
  const { store } = await openRegistry({ db: str(p, 'db') });
  try {
    if (!(await store.malls.get(mallId))) throw new Error(`no mall ${mallId}`);
    const list = (await store.grants.list(mallId)).map(describe);
    const human = list.length === 0
      ? `no grants in ${mallId}`
      : list.map((g) => `${g.client_id}  by ${g.user_id}  ${g.revoked_at ? `revoked ${g.revoked_at}` : 'active'}  ${g.scopes.join(',')}`).join('\n');
    result(io, p.values.json as boolean, { mall_id: mallId, grants: list }, human);
    return 0;
  } finally {
    await store.close();
  }
}

/** `shopauth grants revoke MALL_ID CLIENT_ID [--operator USER_ID]`: the app's tokens in the mall stop working at once. */
export async function grantsRevoke(args: string[], io: CliIO): Promise<number> {
  const p = parse(args, { operator: { type: 'string' } });
  const mallId = arg(p, 0, 'MALL_ID');
  const clientId = arg(p, 1, 'CLIENT_ID');
  const userId = str(p, 'operator');
  const { store, deps } = await openRegistry({ db: str(p, 'db') });
  try {
    // The revocation and its events in one transaction (docs/store.md).
    const revoked = await store.transaction(async (tx) => {
      const done = await revokeGrants({ ...deps, store: tx }, { mallId, clientId, ...(userId !== undefined ? { userId } : {}) });
      await recordEvents(tx, deps.clock, done.map((g) => ({ type: 'grant.revoked', mallId, clientId, userId: g.userId, detail: { grant_id: g.grantId } })));
      return done;
    });
    result(
      io,
      p.values.json as boolean,
      { mall_id: mallId, client_id: clientId, revoked: revoked.map(describe) },
      `revoked ${revoked.length} grant(s) of ${clientId} in ${mallId} and every token issued under them`,
    );
    return 0;
  } finally {
    await store.close();
  }
}
