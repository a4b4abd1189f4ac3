import { systemClock } from '../../clock.js';
import { loadConfig } from '../../config.js';
import { buildServer } from '../../http/server.js';
import { openStore } from '../../store/kysely/store.js';
import { seedDemo } from '../../demo.js';
import { parse, result, str, type CliIO } from '../io.js';

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
  });
  const flags: Record<string, string | boolean | undefined> = {};
  for (const k of ['db', 'port', 'host', 'public-url', 'mall-domain', 'rate-limit', 'log-level', 'redis', 'api-versions', 'trust-proxy']) flags[k] = str(p, k);
  const config = loadConfig(flags);
  const store = await openStore(config.db);
  const { app, ctx } = await buildServer({ config, store, clock: systemClock, demo: p.values.demo === true });
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
