import { isIP } from 'node:net';

/**
 * One typed, validated configuration, read from flags and environment (flags win).
 * Each part of the server takes only the fields it needs.
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
  /** A secret to derive the server key from (oauth/server-keys.ts); if neither it nor a key file is set, a random key is kept in the store. */
  secret: string | null;
  /** A key file: one key per line, the first current, the others previous (server key rotation). */
  secretFile: string | null;
  /** Proxies trusted with X-Forwarded-For/-Proto/-Host (client address, https, host); null: none. */
  trustProxy: TrustProxy | null;
  lifetimes: Lifetimes;
  /** Server-wide API rate limit (wire.md: 40 calls, 2 per second), or null for none. */
  rateLimit: RateLimitSetting | null;
  /** Token endpoint limits per address and per client (oauth/token-limits.ts), or null for none. */
  tokenRateLimit: RateLimitSetting | null;
  /** Redis for state shared by instances (rate-limit buckets, throttles); null: in memory. */
  redisUrl: string | null;
  /** X-Cafe24-Api-Version values accepted besides the current one (wire.md, Admin API). */
  apiVersions: string[];
  logLevel: string;
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

export function loadConfig(flags: Partial<Record<string, string | boolean | undefined>>, env: NodeJS.ProcessEnv = process.env): Config {
  const str = (flag: string, name: string): string | undefined => {
    const v = flags[flag];
    return typeof v === 'string' ? v : env[name] || undefined;
  };
  const port = Number(str('port', 'SHOPAUTH_PORT') ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('port must be an integer from 0 to 65535');
  const publicUrl = str('public-url', 'SHOPAUTH_PUBLIC_URL') ?? null;
  if (publicUrl !== null && !/^https?:\/\/[^/]+$/.test(publicUrl)) {
    throw new Error('public URL must be scheme and host only, like https://auth.example.com');
  }
  if (str('secret', 'SHOPAUTH_SECRET') && str('secret-file', 'SHOPAUTH_SECRET_FILE')) throw new Error('set SHOPAUTH_SECRET or a key file (SHOPAUTH_SECRET_FILE, --secret-file), not both');
  return {
    db: str('db', 'SHOPAUTH_DB') ?? './shopauth.db',
    host: str('host', 'SHOPAUTH_HOST') ?? '127.0.0.1',
    port,
    publicUrl,
    mallDomain: str('mall-domain', 'SHOPAUTH_MALL_DOMAIN') ?? null,
    secret: str('secret', 'SHOPAUTH_SECRET') ?? null,
    secretFile: str('secret-file', 'SHOPAUTH_SECRET_FILE') ?? null,
    trustProxy: parseTrustProxy(str('trust-proxy', 'SHOPAUTH_TRUST_PROXY') ?? ''),
    lifetimes: { ...defaultLifetimes, refreshGraceMs: parseGraceSeconds(str('refresh-grace-seconds', 'SHOPAUTH_REFRESH_GRACE_SECONDS') ?? '0') * 1000 },
    rateLimit: parseRateLimit(str('rate-limit', 'SHOPAUTH_RATE_LIMIT') ?? '40/2'),
    tokenRateLimit: parseRateLimit(str('token-rate-limit', 'SHOPAUTH_TOKEN_RATE_LIMIT') ?? '120/2'),
    redisUrl: str('redis', 'SHOPAUTH_REDIS_URL') ?? null,
    apiVersions: parseApiVersions(str('api-versions', 'SHOPAUTH_API_VERSIONS') ?? ''),
    logLevel: str('log-level', 'SHOPAUTH_LOG_LEVEL') ?? 'info',
  };
}
