import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isIP } from 'node:net';

/**
 * One typed, validated configuration (docs/operations.md): flags win over the environment, the
 * environment over an optional JSON file (`--config shopauth.json`, SHOPAUTH_CONFIG), the file
 * over the defaults. Each part of the server takes only the fields it needs.
 */
export interface RateLimitSetting {
  size: number;
  perSecond: number;
}

export interface Lifetimes {
  /** Authorization code: 1 minute (wire.md). */
  codeMs: number;
  /** Access token: 2 hours (wire.md). */
  accessMs: number;
  /** Refresh token: 2 weeks, restarting at each rotation (wire.md). */
  refreshMs: number;
  /** Operator login session on the consent pages. */
  sessionMs: number;
  /**
   * Refresh token reuse grace (issue 5): for this long after a rotation the rotated token may be
   * exchanged again without revoking its family (a retry after a lost response). 0 = off (default).
   */
  refreshGraceMs: number;
}

/**
 * Which proxies in front are trusted with X-Forwarded-* (issue 15, item 2): a number of hops (the
 * rightmost `hops` addresses of X-Forwarded-For are proxies, the one before them the client), or
 * the proxies' address ranges. Never "every hop": the leftmost entry is whatever the client wrote.
 */
export type TrustProxy = { hops: number } | { ranges: string[] };

export interface Config {
  /** SQLite file path or PostgreSQL URL. */
  db: string;
  host: string;
  port: number;
  /** Base URL the server is reached at, e.g. https://auth.example.com; derived from the request if unset. */
  publicUrl: string | null;
  /** Host form of tenancy: `{mall_id}.{mallDomain}`; null turns host tenancy off. */
  mallDomain: string | null;
  /** A secret to derive the server key from (keys/server-keys.ts); if neither it nor a key file is set, a random key is kept in the store. */
  secret: string | null;
  /** A key file: one key per line, the first current, the others previous (server key rotation). */
  secretFile: string | null;
  /** Proxies trusted with X-Forwarded-For/-Proto/-Host (client address, https, host); null: none. */
  trustProxy: TrustProxy | null;
  lifetimes: Lifetimes;
  /** Server-wide API rate limit (wire.md: 40 calls, 2 per second), or null for none. */
  rateLimit: RateLimitSetting | null;
  /** Token endpoint limits per address and per client (throttle/token-limits.ts), or null for none. */
  tokenRateLimit: RateLimitSetting | null;
  /** Redis for state shared by instances (rate-limit buckets, throttles); null: in memory. */
  redisUrl: string | null;
  /** X-Cafe24-Api-Version values accepted besides the current one (wire.md, Admin API). */
  apiVersions: string[];
  logLevel: string;
  /** `serve --workers N|auto`: processes on one port (node:cluster); 1 = no cluster. */
  workers: number;
  /** On SIGTERM, how long in-flight requests may take before their connections are closed. */
  shutdownTimeoutMs: number;
  /** Bearer token for GET /metrics; null: /metrics answers loopback callers only. */
  metricsToken: string | null;
  /** Audit events older than this are deleted by the scheduled purge; 0 keeps them forever. */
  auditRetentionDays: number;
}

export const defaultLifetimes: Lifetimes = {
  codeMs: 60_000,
  accessMs: 2 * 3600_000,
  refreshMs: 14 * 24 * 3600_000,
  sessionMs: 3600_000,
  refreshGraceMs: 0,
};

/** Parses "40/2" (size/drain per second) or "off". */
export function parseRateLimit(text: string): RateLimitSetting | null {
  if (text === 'off') return null;
  const m = /^(\d{1,6})\/(\d{1,6}(?:\.\d{1,3})?)$/.exec(text);
  const size = Number(m?.[1]);
  const perSecond = Number(m?.[2]);
  if (!m || size < 1 || perSecond <= 0) throw new Error(`rate limit must look like 40/2 (size/drain per second) or off, not "${text}"`);
  return { size, perSecond };
}

/** `--trust-proxy`: a hop count (1 to 10) or a comma-separated list of addresses / CIDR ranges. */
export function parseTrustProxy(text: string): TrustProxy | null {
  const t = text.trim();
  if (t === '' || t === 'off' || t === 'false') return null;
  if (/^\d{1,2}$/.test(t)) {
    const hops = Number(t);
    if (hops < 1 || hops > 10) throw new Error('trust proxy hop count must be 1 to 10');
    return { hops };
  }
  if (t === 'true') throw new Error('trust proxy "true" would trust every hop (the client writes X-Forwarded-For); give a hop count like 1, or the proxies\' addresses like 10.0.0.0/8');
  const ranges = t.split(',').map((r) => r.trim()).filter(Boolean);
  for (const r of ranges) {
    const [address = '', prefix, extra] = r.split('/');
    const family = isIP(address);
    const max = family === 6 ? 128 : 32;
    if (family === 0 || extra !== undefined || (prefix !== undefined && !(/^\d{1,3}$/.test(prefix) && Number(prefix) <= max))) {
      throw new Error(`trust proxy must be a hop count or addresses / CIDR ranges, not "${r}"`);
    }
  }
  return { ranges };
}

/** SHOPAUTH_REFRESH_GRACE_SECONDS: whole seconds, 0 (off) to 300. */
function parseGraceSeconds(text: string): number {
  const n = Number(text);
  if (!/^\d{1,3}$/.test(text) || n > 300) throw new Error(`refresh grace must be 0 to 300 seconds, not "${text}"`);
  return n;
}

/** "2024-06-01,2025-03-01": older API versions still served; each YYYY-MM-DD. */
export function parseApiVersions(text: string): string[] {
  const versions = text.split(',').map((v) => v.trim()).filter(Boolean);
  for (const v of versions) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`))) throw new Error(`API version must be YYYY-MM-DD, not "${v}"`);
  }
  return versions;
}

/** Every bad setting, one line each (the CLI prints them and exits 2). */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

/**
 * The settings: the key is the flag (`--key`) and the config file's key; `env` the variables
 * read, first found wins (the SHOPAUTH_ name before the common one). `secret` values are never
 * echoed in an error line.
 */
const SETTINGS = {
  db: { env: ['SHOPAUTH_DB', 'DATABASE_URL'], secret: true },
  host: { env: ['SHOPAUTH_HOST'] },
  port: { env: ['SHOPAUTH_PORT'] },
  'public-url': { env: ['SHOPAUTH_PUBLIC_URL'] },
  'mall-domain': { env: ['SHOPAUTH_MALL_DOMAIN'] },
  secret: { env: ['SHOPAUTH_SECRET'], secret: true },
  'secret-file': { env: ['SHOPAUTH_SECRET_FILE'] },
  'trust-proxy': { env: ['SHOPAUTH_TRUST_PROXY'] },
  'refresh-grace-seconds': { env: ['SHOPAUTH_REFRESH_GRACE_SECONDS'] },
  'rate-limit': { env: ['SHOPAUTH_RATE_LIMIT'] },
  'token-rate-limit': { env: ['SHOPAUTH_TOKEN_RATE_LIMIT'] },
  redis: { env: ['SHOPAUTH_REDIS_URL', 'REDIS_URL'], secret: true },
  'api-versions': { env: ['SHOPAUTH_API_VERSIONS'] },
  'log-level': { env: ['SHOPAUTH_LOG_LEVEL'] },
  workers: { env: ['SHOPAUTH_WORKERS'] },
  'shutdown-timeout': { env: ['SHOPAUTH_SHUTDOWN_TIMEOUT'] },
  'metrics-token': { env: ['SHOPAUTH_METRICS_TOKEN'], secret: true },
  'audit-retention-days': { env: ['SHOPAUTH_AUDIT_RETENTION_DAYS'] },
} as const satisfies Record<string, { env: readonly string[]; secret?: boolean }>;

export type SettingName = keyof typeof SETTINGS;
export const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const MAX_WORKERS = 64;

/** `--config FILE`: a JSON object of settings (the flags' names); an unreadable file is one problem line. */
function readConfigFile(path: string, problems: string[]): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    problems.push(`config: cannot read ${path}: ${e.code ?? e.message.split('\n')[0]} (a JSON object of settings, e.g. {"port": 8080})`);
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    problems.push(`config: ${path} must hold a JSON object of settings, e.g. {"port": 8080}`);
    return {};
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!(key in SETTINGS)) problems.push(`config: ${path} has an unknown setting "${key.slice(0, 40)}"; known: ${SETTING_NAMES.join(', ')}`);
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = String(value);
    else problems.push(`${key}: must be a string or a number in ${path}`);
  }
  return out;
}

/**
 * Reads and validates the configuration. Every bad value is one line of the ConfigError
 * (naming the setting, what is allowed, and where the value came from); nothing starts with one.
 */
export function loadConfig(flags: Partial<Record<string, string | boolean | undefined>>, env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const configPath = typeof flags.config === 'string' ? flags.config : env.SHOPAUTH_CONFIG || undefined;
  const file = configPath === undefined ? {} : readConfigFile(configPath, problems);
  const source = new Map<SettingName, string>();
  const raw = (name: SettingName): string | undefined => {
    const flag = flags[name];
    if (typeof flag === 'string') {
      source.set(name, `--${name}`);
      return flag;
    }
    for (const variable of SETTINGS[name].env) {
      const v = env[variable];
      if (v) {
        source.set(name, variable);
        return v;
      }
    }
    if (file[name] !== undefined) source.set(name, configPath!);
    return file[name];
  };
  /** Parses one setting; a failure becomes its one line and the default stands in (so every problem is seen). */
  function setting<T>(name: SettingName, fallback: T, parse: (text: string) => T): T {
    const text = raw(name);
    if (text === undefined) return fallback;
    try {
      return parse(text);
    } catch (error) {
      const secret = 'secret' in SETTINGS[name] && SETTINGS[name].secret;
      const message = (error as Error).message;
      const echo = secret || message.includes('not "') ? '' : `, not "${text.slice(0, 80)}"`;
      problems.push(`${name}: ${message}${echo} (from ${source.get(name)})`);
      return fallback;
    }
  }
  const fail = (message: string): never => {
    throw new Error(message);
  };

  const port = setting('port', 8080, (t) => (/^\d{1,5}$/.test(t) && Number(t) <= 65535 ? Number(t) : fail('must be an integer from 0 to 65535')));
  const host = setting('host', '127.0.0.1', (t) => (/^[\w.:-]{1,253}$/.test(t) ? t : fail('must be an address or host name to listen on, like 127.0.0.1 or 0.0.0.0')));
  const publicUrl = setting<string | null>('public-url', null, (t) => (/^https?:\/\/[^/\s]+$/.test(t) ? t : fail('must be scheme and host only, like https://auth.example.com')));
  const mallDomain = setting<string | null>('mall-domain', null, (t) => (/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(t) ? t.toLowerCase() : fail('must be a domain like shops.example.com')));
  const db = setting('db', './shopauth.db', (t) =>
    /^postgres(ql)?:\/\//.test(t) || !/^[a-z][a-z0-9+.-]*:\/\//i.test(t) ? t : fail('must be a SQLite file path or a postgres:// URL'),
  );
  const secret = setting<string | null>('secret', null, (t) => t);
  const secretFile = setting<string | null>('secret-file', null, (t) => t);
  if (secret !== null && secretFile !== null) problems.push('secret: set SHOPAUTH_SECRET or a key file (SHOPAUTH_SECRET_FILE, --secret-file), not both');
  const redisUrl = setting<string | null>('redis', null, (t) => (/^rediss?:\/\/\S+$/.test(t) ? t : fail('must be a redis:// or rediss:// URL')));
  const workers = setting('workers', 1, (t) => {
    if (t === 'auto') return Math.min(MAX_WORKERS, availableParallelism());
    return /^\d{1,2}$/.test(t) && Number(t) >= 1 && Number(t) <= MAX_WORKERS ? Number(t) : fail(`must be a number of processes from 1 to ${MAX_WORKERS}, or auto (one per CPU)`);
  });
  const shutdownTimeoutMs = setting('shutdown-timeout', 10_000, (t) =>
    /^\d{1,3}(\.\d{1,3})?$/.test(t) && Number(t) > 0 && Number(t) <= 600 ? Math.round(Number(t) * 1000) : fail('must be seconds, more than 0 and at most 600'),
  );
  const metricsToken = setting<string | null>('metrics-token', null, (t) =>
    /^[\x21-\x7e]{16,256}$/.test(t) ? t : fail('must be 16 to 256 printable characters without spaces (openssl rand -hex 32)'),
  );
  const config: Config = {
    db,
    host,
    port,
    publicUrl,
    mallDomain,
    secret,
    secretFile,
    trustProxy: setting('trust-proxy', null, parseTrustProxy),
    lifetimes: { ...defaultLifetimes, refreshGraceMs: setting('refresh-grace-seconds', 0, parseGraceSeconds) * 1000 },
    rateLimit: setting<RateLimitSetting | null>('rate-limit', { size: 40, perSecond: 2 }, parseRateLimit),
    tokenRateLimit: setting<RateLimitSetting | null>('token-rate-limit', { size: 120, perSecond: 2 }, parseRateLimit),
    redisUrl,
    apiVersions: setting('api-versions', [], parseApiVersions),
    logLevel: setting('log-level', 'info', (t) => (LOG_LEVELS.includes(t) ? t : fail(`must be one of ${LOG_LEVELS.join(', ')}`))),
    workers,
    shutdownTimeoutMs,
    metricsToken,
    auditRetentionDays: setting('audit-retention-days', 365, (t) =>
      /^\d{1,5}$/.test(t) && Number(t) <= 36_500 ? Number(t) : fail('must be a whole number of days from 0 (keep forever) to 36500'),
    ),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
