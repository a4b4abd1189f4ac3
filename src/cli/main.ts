import { call, login, logout } from './commands/app-session.js';
import { auditCommand } from './commands/audit.js';
import { credentialsCreate, credentialsList, credentialsRevoke } from './commands/credentials.js';
import { developerAdmin, developerCreate } from './commands/developers.js';
import { grantsList, grantsRevoke } from './commands/grants.js';
import { keysRotate, keysRotateSecret } from './commands/keys.js';
import { migrateCommand } from './commands/migrate.js';
import { appCreate, mallCreate, operatorAdd } from './commands/registry.js';
import { serve } from './commands/serve.js';
import { webhooksAdd, webhooksList, webhooksRemove, webhooksReplay } from './commands/webhooks.js';
import { UsageError, type CliIO } from './io.js';
import { ConfigError } from '../config.js';

type Command = (args: string[], io: CliIO) => Promise<number>;

/** Command table: "noun verb" or a single word. */
const commands: Record<string, Command> = {
  serve,
  migrate: migrateCommand,
  'mall create': mallCreate,
  'operator add': operatorAdd,
  'app create': appCreate,
  'developer create': developerCreate,
  'developer admin': developerAdmin,
  'credentials create': credentialsCreate,
  'credentials list': credentialsList,
  'credentials revoke': credentialsRevoke,
  'grants list': grantsList,
  'grants revoke': grantsRevoke,
  'keys rotate': keysRotate,
  'keys rotate-secret': keysRotateSecret,
  'webhooks add': webhooksAdd,
  'webhooks list': webhooksList,
  'webhooks remove': webhooksRemove,
  'webhooks replay': webhooksReplay,
  audit: auditCommand,
  login,
  call,
  logout,
};

const USAGE = `usage: shopauth <command> [options]

  serve [--port 8080] [--host 127.0.0.1] [--demo] [--config FILE.json] [--workers N|auto] [--shutdown-timeout 10] [--metrics-token T]
        [--secret-file PATH] [--public-url URL] [--mall-domain D] [--trust-proxy HOPS|CIDR,...] [--rate-limit 40/2|off] [--token-rate-limit 120/2|off]
        [--redis URL] [--api-versions 2025-06-01,...] [--refresh-grace-seconds 0] [--log-level info]   (docs/operations.md)
  migrate
  mall create MALL_ID [--operator USER_ID --password PW] [--name N] [--timezone Asia/Seoul] [--sample-data [--seed N]]
  operator add MALL_ID USER_ID --password PW [--sub] [--name N]
  app create --name N --redirect-uri URI [--redirect-uri URI2] --app-url URL --scopes a,b [--public] [--rate-limit 40/2|off] [--usage-limit 600/60/300|off] [--api-version YYYY-MM-DD] [--developer EMAIL]
  developer create EMAIL --password PW [--name N] [--admin]   a developer-center account (/developers)
  developer admin EMAIL [--off]   platform admins see and adopt apps no developer owns
  credentials create MALL_ID --scopes a,b [--rate-limit 40/2|off] [--name N]   POD Shop API credentials (key shown once)
  credentials list MALL_ID | credentials revoke CLIENT_ID
  grants list MALL_ID | grants revoke MALL_ID CLIENT_ID [--operator USER_ID]   apps the operators let in; revoking stops their tokens at once
  keys rotate   new JWT signing key; old keys stay published until their tokens expire
  keys rotate-secret --secret-file PATH   new server key first in the key file; the others keep verifying; sealed secrets resealed
  audit [--mall M] [--type login.failed] [--limit 100]   security events, newest first
  webhooks add CLIENT_ID --url URL --events order.created,... [--dialect cafe24|pod] | webhooks list [CLIENT_ID] [--deliveries N]
  webhooks remove SUBSCRIPTION_ID | webhooks replay DELIVERY_ID   event subscriptions of apps (docs/webhooks.md)

For app developers (a session in $XDG_CONFIG_HOME/shopauth/, default ~/.config/shopauth/):
  login --mall M --client-id ID [--client-secret S | env SHOPAUTH_CLIENT_SECRET] --scopes a,b [--base URL|TEMPLATE] [--port 8765|0] [--redirect-uri URI] [--no-open] [--client-auth basic|body]
        --base: the server root (default http://127.0.0.1:8080) or a template, e.g. https://{mall_id}.cafe24api.com
  call METHOD PATH [--data JSON] [--include] [--api-version V]   e.g. call GET '/api/v2/admin/products?limit=5'
  logout   revokes the session's tokens and forgets them

Every command takes --json; the server's commands take --db PATH|URL (default ./shopauth.db, or SHOPAUTH_DB, or DATABASE_URL).`;

const defaultIO: CliIO = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

/** Runs the CLI; returns the exit code (0 ok, 1 failed, 2 usage). */
export async function main(argv: string[], io: CliIO = defaultIO): Promise<number> {
  const [first, second] = argv;
  const pair = `${first} ${second}`;
  const key = commands[pair] ? pair : first;
  const command = key === undefined ? undefined : commands[key];
  if (argv.length === 0 || first === 'help' || argv.includes('--help') || argv.includes('-h')) {
    io.out(USAGE);
    return 0;
  }
  if (!command) {
    io.err(`shopauth: unknown command ${JSON.stringify(argv.slice(0, 2).join(' '))}\n\n${USAGE}`);
    return 2;
  }
  try {
    return await command(argv.slice(key === pair ? 2 : 1), io);
  } catch (error) {
    // docs/operations.md: one line per bad setting, exit 2, nothing started.
    if (error instanceof ConfigError) {
      for (const line of error.problems) io.err(`shopauth: ${line}`);
      return 2;
    }
    if (error instanceof UsageError) {
      io.err(`shopauth: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    io.err(`shopauth: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
