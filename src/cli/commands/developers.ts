import { normalEmail, signUp } from '../../developer-center/developers.js';
import { RegistryError } from '../../registry/registry.js';
import { arg, openRegistry, parse, result, str, UsageError, type CliIO } from '../io.js';

/** `shopauth developer create EMAIL --password PW [--name N] [--admin]`: a developer-center account. */
export async function developerCreate(args: string[], io: CliIO): Promise<number> {
  const p = parse(args, { password: { type: 'string' }, name: { type: 'string' }, admin: { type: 'boolean' } });
  const email = arg(p, 0, 'EMAIL');
  const password = str(p, 'password');
  if (password === undefined) throw new UsageError('--password is required');
  const { store, deps } = await openRegistry({ db: str(p, 'db') });
  try {
    const d = await signUp(deps, { email, name: str(p, 'name') ?? '', password, platformAdmin: p.values.admin === true });
    result(io, p.values.json as boolean, { developer_id: d.developerId, email: d.email, name: d.name, platform_admin: d.platformAdmin }, `created developer ${d.email}${d.platformAdmin ? ' (platform admin)' : ''}`);
    return 0;
  } finally {
    await store.close();
  }
}

/**
 * `shopauth developer admin EMAIL [--off]`: platform admins are developers with this flag; they
 * see the developer center's list of apps no developer owns and may adopt them.
 */
export async function developerAdmin(args: string[], io: CliIO): Promise<number> {
  const p = parse(args, { off: { type: 'boolean' } });
  const email = normalEmail(arg(p, 0, 'EMAIL'));
  const { store } = await openRegistry({ db: str(p, 'db') });
  try {
    const d = await store.developers.byEmail(email);
    if (!d) throw new RegistryError(`no developer ${email}`);
    const on = p.values.off !== true;
    await store.developers.setPlatformAdmin(d.developerId, on);
    result(io, p.values.json as boolean, { email, platform_admin: on }, `${email} is ${on ? 'now' : 'no longer'} a platform admin`);
    return 0;
  } finally {
    await store.close();
  }
}
