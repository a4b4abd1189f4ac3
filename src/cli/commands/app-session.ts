import { spawn } from 'node:child_process';
import { readFile, unlink } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import {
  ApiError,
  authorizationUrl,
  CallbackError,
  exchangeCode,
  FileTokenStore,
  handleCallback,
  NoSessionError,
  revoke,
  ShopClient,
  ShopauthError,
  writeFileAtomic,
  type AppConfig,
  type PendingAuthorization,
  type TokenSet,
} from '../../client/index.js';
import { UsageError, type CliIO } from '../io.js';

/**
 * The app developer's commands (issue 10): `login` runs the authorization code flow with a
 * loopback callback (RFC 8252 §7.3), `call` calls the API with the saved session, `logout`
 * revokes it. They use the SDK (src/client) only, against shopauth or the real platform.
 * The session lives in $XDG_CONFIG_HOME/shopauth/ (default ~/.config/shopauth/), mode 0600.
 */

/** The default callback: registered with the app as is; any other port on it is accepted (RFC 8252 §7.3). */
const DEFAULT_PORT = 8765;
const DEFAULT_BASE = 'http://127.0.0.1:8080';

/** What `login` saves besides the tokens: who the app is and where the mall is. */
interface SavedApp {
  version: 1;
  base: string;
  mall_id: string;
  client_id: string;
  /** Kept (mode 0600, like any CLI credential file) because every refresh authenticates with it. */
  client_secret?: string;
  client_auth: 'basic' | 'body';
}

/** $XDG_CONFIG_HOME/shopauth, or ~/.config/shopauth. */
export function sessionDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CONFIG_HOME;
  return join(xdg && xdg.startsWith('/') ? xdg : join(homedir(), '.config'), 'shopauth');
}

const files = (dir: string) => ({ app: join(dir, 'session.json'), tokens: join(dir, 'tokens.json') });

function parse(args: string[], options: NonNullable<ParseArgsConfig['options']>): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    return parseArgs({ args, options: { ...options, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true }) as {
      values: Record<string, string | boolean | undefined>;
      positionals: string[];
    };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

const text = (value: string | boolean | undefined): string | undefined => (typeof value === 'string' ? value : undefined);

const need = (value: unknown, flag: string): string => {
  if (typeof value !== 'string' || value === '') throw new UsageError(`${flag} is required`);
  return value;
};

/**
 * `shopauth login --mall M --client-id ID [--client-secret S] --scopes a,b [--base URL]
 * [--port N | --redirect-uri URI] [--no-open] [--client-auth basic|body] [--timeout SECONDS]`
 */
export async function login(args: string[], io: CliIO): Promise<number> {
  const p = parse(args, {
    mall: { type: 'string' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
    scopes: { type: 'string' },
    base: { type: 'string' },
    port: { type: 'string' },
    'redirect-uri': { type: 'string' },
    'no-open': { type: 'boolean' },
    'client-auth': { type: 'string' },
    timeout: { type: 'string' },
  });
  const v = p.values;
  const clientAuth = text(v['client-auth']) ?? 'basic';
  if (clientAuth !== 'basic' && clientAuth !== 'body') throw new UsageError('--client-auth is basic or body');
  const scopes = need(v.scopes, '--scopes').split(/[ ,]+/).filter(Boolean);
  const timeoutSeconds = Number(text(v.timeout) ?? 300);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new UsageError('--timeout is a number of seconds');
  const app: AppConfig = {
    base: (text(v.base) ?? process.env.SHOPAUTH_BASE ?? DEFAULT_BASE).replace(/\/+$/, ''),
    mallId: need(v.mall, '--mall'),
    clientId: need(v['client-id'], '--client-id'),
    // SHOPAUTH_CLIENT_SECRET keeps the secret out of the shell history and the process list.
    clientSecret: text(v['client-secret']) ?? process.env.SHOPAUTH_CLIENT_SECRET,
    clientAuth,
  };
  const callback = callbackOf(text(v['redirect-uri']), text(v.port));

  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(e.code === 'EADDRINUSE' ? new Error(`${callback.host}:${callback.port} is in use: pick another --port (0 for any)`) : e));
    server.listen(callback.port, callback.host.replace(/^\[|\]$/g, ''), resolve);
  });
  try {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : callback.port;
    // A --redirect-uri with its own port is sent exactly as given; port 0 becomes the port taken.
    const redirectUri = callback.given && callback.port !== 0 ? callback.given : `http://${callback.host}:${port}${callback.path}`;
    const pending = authorizationUrl({ ...app, redirectUri, scopes });
    io.err(`Open this URL in a browser and authorize the app (waiting on ${redirectUri}):`);
    io.out(pending.url);
    if (v['no-open'] !== true) openBrowser(pending.url);
    const tokens = await waitForCallback(server, app, pending, callback.path, timeoutSeconds * 1000);
    await saveSession(sessionDir(), app, tokens);
    const who = { mall_id: tokens.mallId ?? app.mallId, user_id: tokens.userId ?? null, scopes: tokens.scopes, expires_at: tokens.expiresAt === null ? null : new Date(tokens.expiresAt).toISOString() };
    io.out(v.json ? JSON.stringify(who) : `logged in to ${who.mall_id}${who.user_id ? ` as ${who.user_id}` : ''} with ${who.scopes.join(',')}; session saved in ${sessionDir()}`);
    return 0;
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** Where the callback server listens: --redirect-uri (http on a loopback IP literal), else 127.0.0.1:--port/callback. */
function callbackOf(redirectUri: string | undefined, portFlag: string | undefined): { host: string; port: number; path: string; given?: string } {
  if (redirectUri !== undefined) {
    if (portFlag !== undefined) throw new UsageError('--port and --redirect-uri exclude each other');
    let url: URL;
    try {
      url = new URL(redirectUri);
    } catch {
      throw new UsageError('--redirect-uri is not an absolute URI');
    }
    // RFC 8252 §7.3, §8.3: http on a loopback IP literal, which only this machine can reach.
    if (url.protocol !== 'http:' || !['127.0.0.1', '[::1]'].includes(url.hostname) || url.search || url.hash || url.username) {
      throw new UsageError('--redirect-uri must be http://127.0.0.1:PORT/PATH or http://[::1]:PORT/PATH, without query or fragment');
    }
    return { host: url.hostname, port: url.port === '' ? 80 : Number(url.port), path: url.pathname, given: redirectUri };
  }
  const port = portFlag === undefined ? DEFAULT_PORT : Number(portFlag);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port is 0-65535 (0 for any free port)');
  return { host: '127.0.0.1', port, path: '/callback' };
}

/**
 * Answers the browser's redirect: a callback with the right `state` ends the wait (with tokens, or
 * the authorization server's error); one with another state (not this login's, RFC 6749 §10.12) is
 * refused and the wait goes on.
 */
function waitForCallback(server: ReturnType<typeof createServer>, app: AppConfig, pending: PendingAuthorization, path: string, timeoutMs: number): Promise<TokenSet> {
  return new Promise<TokenSet>((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => finish(new Error(`no callback within ${timeoutMs / 1000} s`)), timeoutMs);
    const finish = (outcome: TokenSet | Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const answer = (res: ServerResponse, status: number, text: string) =>
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }).end(`${text}\n`);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', pending.redirectUri);
      if (req.method !== 'GET' || url.pathname !== path) return answer(res, 404, 'not found');
      if (done) return answer(res, 409, 'this login is already over');
      let code: string;
      try {
        // The SDK checks state, iss (RFC 9207) and turns error redirects into errors.
        code = handleCallback(url, pending).code;
      } catch (error) {
        if (error instanceof CallbackError && error.code === 'ERR_STATE_MISMATCH') return answer(res, 400, 'this answer is not for the login in progress (state differs)');
        answer(res, 400, `authorization failed: ${(error as Error).message}`);
        return finish(error as Error);
      }
      exchangeCode(app, { code, redirectUri: pending.redirectUri, codeVerifier: pending.codeVerifier }).then(
        (tokens) => {
          answer(res, 200, 'shopauth: logged in. You can close this window.');
          finish(tokens);
        },
        (error: Error) => {
          answer(res, 502, `the code exchange failed: ${error.message}`);
          finish(error);
        },
      );
    });
  });
}

/** Opens the URL in the desktop's browser when there is one; silent when there is not. */
function openBrowser(url: string): void {
  const [command, ...args] =
    process.platform === 'darwin' ? ['open', url] : process.platform === 'win32' ? ['cmd', '/c', 'start', '""', url.replace(/&/g, '^&')] : ['xdg-open', url];
  try {
    const child = spawn(command!, args, { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // No browser to open: the printed URL is enough.
  }
}

async function saveSession(dir: string, app: AppConfig, tokens: TokenSet): Promise<void> {
  const f = files(dir);
  const saved: SavedApp = { version: 1, base: app.base, mall_id: app.mallId, client_id: app.clientId, client_auth: app.clientAuth ?? 'basic' };
  if (app.clientSecret !== undefined) saved.client_secret = app.clientSecret;
  await writeFileAtomic(f.app, `${JSON.stringify(saved, null, 2)}\n`);
  await new FileTokenStore(f.tokens).set(tokens);
}

async function loadSession(dir: string): Promise<{ app: AppConfig; store: FileTokenStore }> {
  const f = files(dir);
  let saved: SavedApp;
  try {
    saved = JSON.parse(await readFile(f.app, 'utf8')) as SavedApp;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('not logged in: run shopauth login first');
    throw new Error(`${f.app} is not a shopauth session file`);
  }
  const app: AppConfig = { base: saved.base, mallId: saved.mall_id, clientId: saved.client_id, clientSecret: saved.client_secret, clientAuth: saved.client_auth };
  return { app, store: new FileTokenStore(f.tokens) };
}

/** `shopauth call METHOD PATH [--data JSON] [--include] [--api-version V]`: PATH below the mall root. */
export async function call(args: string[], io: CliIO): Promise<number> {
  const p = parse(args, { data: { type: 'string' }, include: { type: 'boolean', short: 'i' }, 'api-version': { type: 'string' } });
  const [method, path] = p.positionals;
  if (!method || !path) throw new UsageError('usage: shopauth call METHOD PATH [--data JSON] [--include]');
  if (!path.startsWith('/')) throw new UsageError('PATH starts with /, e.g. /api/v2/admin/products?limit=5');
  let body: unknown;
  const data = text(p.values.data);
  if (data !== undefined) {
    try {
      body = JSON.parse(data);
    } catch {
      throw new UsageError('--data is not JSON');
    }
  }
  const { app, store } = await loadSession(sessionDir());
  const client = new ShopClient({ ...app, tokenStore: store, apiVersion: text(p.values['api-version']) });
  const print = (status: number, headers: Headers, payload: unknown) => {
    if (p.values.include) {
      const lines: string[] = [`HTTP ${status}`];
      headers.forEach((value, name) => lines.push(`${name}: ${value}`));
      io.out(`${lines.join('\n')}\n`);
    }
    if (payload !== undefined) io.out(typeof payload === 'string' ? payload : JSON.stringify(payload, null, 2));
  };
  try {
    const res = await client.request(method.toUpperCase(), path, body === undefined ? {} : { body });
    print(res.status, res.headers, res.body);
    return 0;
  } catch (error) {
    if (error instanceof ApiError) {
      print(error.status, error.headers, error.body);
      return 1;
    }
    if (error instanceof NoSessionError || (error instanceof ShopauthError && error.code === 'ERR_SESSION_ENDED')) {
      throw new Error(`${error.message} (the session is over: run shopauth login again)`);
    }
    throw error;
  }
}

/** `shopauth logout`: revokes the session's tokens (RFC 7009) and forgets them. */
export async function logout(args: string[], io: CliIO): Promise<number> {
  const p = parse(args, {});
  const dir = sessionDir();
  const { app, store } = await loadSession(dir);
  const tokens = await store.get();
  let warning: string | undefined;
  if (tokens) {
    try {
      // Revoking the refresh token ends the whole grant's tokens at shopauth; the access token too for other servers.
      if (tokens.refreshToken) await revoke(app, tokens.refreshToken, 'refresh_token');
      await revoke(app, tokens.accessToken, 'access_token');
    } catch (error) {
      warning = `the server did not confirm the revocation (${(error as Error).message}); the session is forgotten anyway`;
    }
  }
  await store.clear();
  await unlink(files(dir).app).catch(() => undefined);
  if (warning) io.err(`shopauth: ${warning}`);
  io.out(p.values.json ? JSON.stringify({ revoked: tokens !== undefined && warning === undefined }) : tokens ? 'logged out: tokens revoked and forgotten' : 'logged out');
  return 0;
}
