import { seedSampleData } from '../../api/sample-data.js';
import { parseUsageLimit } from '../../api/usage-meter.js';
import { normalEmail } from '../../developer-center/developers.js';
import { addOperator, createApp, createMall, RegistryError } from '../../registry/registry.js';
import { arg, openRegistry, parse, result, str, UsageError, type CliIO } from '../io.js';

/** `shopauth mall create MALL_ID --operator USER_ID --password PW [--name N] [--timezone TZ] [--sample-data [--seed N]]` */
export async function mallCreate(args: string[], io: CliIO): Promise<number> {
  const p = parse(args, {
    operator: { type: 'string' }, password: { type: 'string' }, name: { type: 'string' }, timezone: { type: 'string' },
    'sample-data': { type: 'boolean' }, seed: { type: 'string' },
  });
  const seedText = str(p, 'seed');
  if (seedText !== undefined && (!/^\d{1,9}$/.test(seedText) || p.values['sample-data'] !== true)) throw new UsageError('--seed takes a whole number and goes with --sample-data');
  const mallId = arg(p, 0, 'MALL_ID');
  const userId = str(p, 'operator');
  const password = str(p, 'password');
  if ((userId === undefined) !== (password === undefined)) throw new UsageError('--operator and --password go together');
  const { store, deps } = await openRegistry({ db: str(p, 'db') });
  try {
    const name = str(p, 'name');
    const timezone = str(p, 'timezone');
    const mall = await store.transaction(async (tx) => {
      const txDeps = { ...deps, store: tx };
      const created = await createMall(txDeps, { mallId, ...(name ? { name } : {}), ...(timezone ? { timezone } : {}) });
      if (userId && password) await addOperator(txDeps, { mallId, userId, password, userType: 'P' });
      // Issue 4: products, customers and orders so the sandbox is useful at once.
      const sample = p.values['sample-data'] === true ? await seedSampleData(txDeps, created, { seed: Number(seedText ?? 1) }) : undefined;
      return { ...created, sample };
    });
    const out = { mall_id: mall.mallId, name: mall.name, timezone: mall.timezone, shop_no: mall.shopNo, operator: userId ?? null, ...(mall.sample ? { sample_data: mall.sample } : {}) };
    const human = `created mall ${mall.mallId} (${mall.name}, ${mall.timezone})${userId ? ` with representative operator ${userId}` : ''}`;
    result(io, p.values.json as boolean, out, mall.sample ? `${human}\nsample data: ${mall.sample.products} products, ${mall.sample.customers} customers, ${mall.sample.orders} orders` : human);
    return 0;
  } finally {
    await store.close();
  }
}

/** `shopauth operator add MALL_ID USER_ID --password PW [--sub] [--name N]` */
export async function operatorAdd(args: string[], io: CliIO): Promise<number> {
  const p = parse(args, { password: { type: 'string' }, sub: { type: 'boolean' }, name: { type: 'string' } });
  const mallId = arg(p, 0, 'MALL_ID');
  const userId = arg(p, 1, 'USER_ID');
  const password = str(p, 'password');
  if (password === undefined) throw new UsageError('--password is required');
  const { store, deps } = await openRegistry({ db: str(p, 'db') });
  try {
    const name = str(p, 'name');
    const op = await addOperator(deps, { mallId, userId, password, userType: p.values.sub ? 'A' : 'P', ...(name ? { name } : {}) });
    const out = { mall_id: op.mallId, user_id: op.userId, user_type: op.userType, name: op.name };
    result(io, p.values.json as boolean, out, `added ${op.userType === 'P' ? 'representative' : 'sub-'}operator ${op.userId} to ${op.mallId}`);
    return 0;
  } finally {
    await store.close();
  }
}

const list = (v: string | boolean | string[] | undefined): string[] => (Array.isArray(v) ? v : typeof v === 'string' ? [v] : []);

/** `shopauth app create --name N --redirect-uri URI [--redirect-uri URI2] --app-url URL --scopes a,b [--public]` */
export async function appCreate(args: string[], io: CliIO): Promise<number> {
  const p = parse(args, {
    name: { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    'app-url': { type: 'string' },
    scopes: { type: 'string' },
    public: { type: 'boolean' },
    'rate-limit': { type: 'string' },
    'usage-limit': { type: 'string' },
    'api-version': { type: 'string' },
    developer: { type: 'string' },
  });
  const name = str(p, 'name');
  const appUrl = str(p, 'app-url');
  const scopes = str(p, 'scopes');
  if (!name || !appUrl || !scopes) throw new UsageError('--name, --app-url, --scopes and at least one --redirect-uri are required');
  const { store, deps, keys } = await openRegistry({ db: str(p, 'db') });
  try {
    const rateLimit = str(p, 'rate-limit');
    const usageLimit = str(p, 'usage-limit');
    // The Admin API's usage layer (docs/admin-api.md): checked before anything is written.
    if (usageLimit !== undefined) {
      try {
        parseUsageLimit(usageLimit);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
    }
    const apiVersion = str(p, 'api-version');
    const email = str(p, 'developer');
    const owner = email === undefined ? undefined : await store.developers.byEmail(normalEmail(email));
    if (email !== undefined && !owner) throw new RegistryError(`no developer ${email}`);
    const { app, clientSecret } = await store.transaction(async (tx) => {
      const made = await createApp({ ...deps, store: tx }, {
      name,
      appUrl,
      redirectUris: list(p.values['redirect-uri']),
      scopes: scopes.split(/[\s,]+/).filter(Boolean),
      public: p.values.public === true,
      ...(rateLimit ? { rateLimit } : {}),
      ...(apiVersion ? { apiVersion } : {}),
      });
      if (owner) await tx.developers.own(made.app.clientId, owner.developerId);
      if (usageLimit !== undefined) await tx.shop.usageLimits.set(made.app.clientId, usageLimit);
      return made;
    });
    const out = {
      client_id: app.clientId,
      client_secret: clientSecret,
      name: app.name,
      app_url: app.appUrl,
      redirect_uris: app.redirectUris,
      scopes: app.scopes,
      client_type: app.clientType,
      ...(owner ? { developer: owner.email } : {}),
    };
    result(
      io,
      p.values.json as boolean,
      out,
      [
        `created app ${app.name}`,
        `client_id:     ${app.clientId}`,
        clientSecret ? `client_secret: ${clientSecret}   (shown once; kept as a keyed hash, and sealed under the server key to sign App URL launches)` : 'public client: no secret; PKCE (S256) is required',
      ].join('\n'),
    );
    // Issue 15, item 3: said where it is seen, not only at serve.
    if (clientSecret && !keys.external) {
      io.err('shopauth: warning: no external server key: this secret is sealed under the key kept in the database; serve refuses to start until SHOPAUTH_SECRET or a key file is set (then it is resealed)');
    }
    return 0;
  } finally {
    await store.close();
  }
}
