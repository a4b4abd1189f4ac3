import { recordEvents } from '../../audit/audit.js';
import { createCredentials, revokeCredentials } from '../../registry/credentials.js';
import type { App } from '../../store/types.js';
import { arg, iso, openRegistry, parse, result, str, UsageError, type CliIO } from '../io.js';

const describe = (a: App) => ({
  client_id: a.clientId,
  mall_id: a.mallId,
  name: a.name,
  scopes: a.scopes,
  rate_limit: a.rateLimit,
  created_at: iso(a.createdAt),
  revoked_at: iso(a.revokedAt),
});

/** `shopauth credentials create MALL_ID --scopes a,b [--rate-limit 40/2|off] [--name N]`: prints the key once. */
export async function credentialsCreate(args: string[], io: CliIO): Promise<number> {
  const p = parse(args, { scopes: { type: 'string' }, 'rate-limit': { type: 'string' }, name: { type: 'string' } });
  const mallId = arg(p, 0, 'MALL_ID');
  const scopes = str(p, 'scopes');
  if (!scopes) throw new UsageError('--scopes is required');
  const { store, deps } = await openRegistry({ db: str(p, 'db') });
  try {
    const rateLimit = str(p, 'rate-limit');
    const name = str(p, 'name');
    const { app, clientSecret } = await createCredentials(deps, {
      mallId,
      scopes: scopes.split(/[\s,]+/).filter(Boolean),
      ...(rateLimit !== undefined ? { rateLimit } : {}),
      ...(name !== undefined ? { name } : {}),
    });
    const { client_id, mall_id, ...rest } = describe(app);
    result(io, p.values.json as boolean, { client_id, client_secret: clientSecret, mall_id, ...rest }, [
      `created API credentials for mall ${mallId} (scopes ${app.scopes.join(',')})`,
      `client_id:     ${app.clientId}`,
      `client_secret: ${clientSecret}   (POD Shop's Client Key; shown once: only its hash is kept)`,
    ].join('\n'));
    return 0;
  } finally {
    await store.close();
  }
}

/** `shopauth credentials list MALL_ID`: never shows a key. */
export async function credentialsList(args: string[], io: CliIO): Promise<number> {
  const p = parse(args, {});
  const mallId = arg(p, 0, 'MALL_ID');
  const { store } = await openRegistry({ db: str(p, 'db') });
  try {
    if (!(await store.malls.get(mallId))) throw new Error(`no mall ${mallId}`);
    const list = (await store.apps.list({ kind: 'credentials', mallId })).map(describe);
    const human = list.length === 0
      ? `no API credentials in ${mallId}`
      : list.map((c) => `${c.client_id}  ${c.revoked_at ? `revoked ${c.revoked_at}` : 'active'}  ${c.scopes.join(',')}  ${c.name}`).join('\n');
    result(io, p.values.json as boolean, { mall_id: mallId, credentials: list }, human);
    return 0;
  } finally {
    await store.close();
  }
}

/** `shopauth credentials revoke CLIENT_ID`: the credentials and every token issued to them stop working at once. */
export async function credentialsRevoke(args: string[], io: CliIO): Promise<number> {
  const p = parse(args, {});
  const clientId = arg(p, 0, 'CLIENT_ID');
  const { store, deps } = await openRegistry({ db: str(p, 'db') });
  try {
    await store.transaction(async (tx) => {
      const app = await revokeCredentials({ ...deps, store: tx }, clientId);
      await recordEvents(tx, deps.clock, [{ type: 'credentials.revoked', mallId: app.mallId, clientId }]);
    });
    result(io, p.values.json as boolean, { client_id: clientId, revoked: true }, `revoked API credentials ${clientId} and their tokens`);
    return 0;
  } finally {
    await store.close();
  }
}
