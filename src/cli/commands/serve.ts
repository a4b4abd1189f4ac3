import { systemClock } from '../../clock.js';
import { loadConfig } from '../../config.js';
import { buildServer } from '../../http/server.js';
import { openStore } from '../../store/kysely/store.js';
import { seedDemo } from '../../demo.js';
import { parse, result, str, type CliIO } from '../io.js';
import type { OAuthContext } from '../../oauth/context.js';
import { resealAll, sealedCount } from '../../oauth/reseal.js';
import { webhookSettingFromEnv } from '../../webhooks/worker.js';

/** `shopauth serve [--port 8080] [--host 127.0.0.1] [--demo]`: runs until SIGINT or SIGTERM. */
export async function serve(args: string[], io: CliIO): Promise<number> {
  const p = parse(args, {
    port: { type: 'string' },
    host: { type: 'string' },
    demo: { type: 'boolean' },
    'public-url': { type: 'string' },
    'mall-domain': { type: 'string' },
    'rate-limit': { type: 'string' },
    redis: { type: 'string' },
    'api-versions': { type: 'string' },
    'trust-proxy': { type: 'string' },
    'log-level': { type: 'string' },
    'secret-file': { type: 'string' },
    'token-rate-limit': { type: 'string' },
  });
  const flags: Record<string, string | boolean | undefined> = {};
  for (const k of ['db', 'port', 'host', 'public-url', 'mall-domain', 'rate-limit', 'log-level', 'redis', 'api-versions', 'trust-proxy', 'secret-file', 'token-rate-limit']) flags[k] = str(p, k);
  const config = loadConfig(flags);
  const store = await openStore(config.db);
  const { app, ctx } = await buildServer({ config, store, clock: systemClock, demo: p.values.demo === true, purge: true, webhooks: webhookSettingFromEnv(process.env) });
  try {
    await checkServerKey(ctx, p.values.demo === true, io);
  } catch (error) {
    await app.close();
    await store.close();
    throw error;
  }
  const address = await app.listen({ port: config.port, host: config.host });
  const base = config.publicUrl ?? address.replace('://[::1]', '://localhost');
  io.err(`shopauth listening on ${base} (store: ${store.dialect})`);
  // Without a public URL the issuer (and JWT iss/aud) follows the request's Host header: fine on
  // loopback, not for clients elsewhere (RFC 8414 §3.3: the issuer must be stable).
  if (config.publicUrl === null && !/^(127\.|::1$|localhost$)/.test(config.host)) {
    io.err('shopauth: warning: set --public-url (SHOPAUTH_PUBLIC_URL) when serving beyond loopback; issuers now follow the Host header');
  }
  if (p.values.demo) {
    const demo = await seedDemo(ctx, base);
    result(
      io,
      p.values.json as boolean,
      demo,
      [
        'Demo mall ready. Open this URL in a browser and sign in:',
        `  ${demo.authorize_url}`,
        `  operator: ${demo.operator.user_id} / ${demo.operator.password}`,
        `  app:      client_id ${demo.app.client_id}, client_secret ${demo.app.client_secret}`,
        'Then the operator console lists the installed app and opens it (App URL launch):',
        `  ${demo.console_url}`,
      ].join('\n'),
    );
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await app.close();
  await store.close();
  return 0;
}

const KEY_HOWTO =
  'set SHOPAUTH_SECRET to a 32-byte key (openssl rand -base64 32) or a long passphrase, or use a key file: ' +
  'shopauth keys rotate-secret --secret-file ./shopauth.key, then serve --secret-file ./shopauth.key (or SHOPAUTH_SECRET_FILE)';

/**
 * Issue 15, item 3: client secrets kept for App URL launches and JWT signing keys are sealed under
 * the server key, so that key must not live in the database it protects. Without an external key
 * `serve` refuses to start once anything is sealed (`--demo` excepted, with a warning); with one,
 * whatever another key of the ring sealed (the key kept in the store, a rotated key) is resealed now.
 */
async function checkServerKey(ctx: OAuthContext, demo: boolean, io: CliIO): Promise<void> {
  if (!ctx.keys.external) {
    const sealed = await sealedCount(ctx.store);
    if (sealed > 0 && !demo) {
      throw new Error(
        `refusing to start: ${sealed} sealed secret${sealed === 1 ? ' is' : 's are'} (client secrets kept for App URL launches, JWT signing keys) ` +
          `under the server key kept in this same database, so any copy of the database reveals them. To start, ${KEY_HOWTO}; ` +
          'they are resealed under it at start (--demo runs without one)',
      );
    }
    io.err(
      'shopauth: WARNING: no external server key: the key sealing client secrets and JWT signing keys is kept in the database, so a copy of the database reveals them' +
        `${demo ? ' (allowed with --demo)' : '; serve will refuse to start once anything is sealed'}. To fix, ${KEY_HOWTO}`,
    );
    return;
  }
  const { resealed, unopenable } = await resealAll(ctx.store, ctx.keys);
  if (resealed > 0) io.err(`shopauth: resealed ${resealed} secret${resealed === 1 ? '' : 's'} under the current server key ${ctx.keys.current.kid}`);
  if (unopenable > 0) io.err(`shopauth: warning: ${unopenable} sealed secret${unopenable === 1 ? '' : 's'} open under no configured server key (a key is missing from SHOPAUTH_SECRET or the key file)`);
}
