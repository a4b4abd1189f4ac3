import type { RateLimitSetting } from '../config.js';
import { parseRateLimit } from '../config.js';
import type { OAuthContext } from '../oauth/context.js';
import { OAuthError } from '../oauth/errors.js';
import type { UsageCounter } from '../shared-state/usage.js';
import type { LeakyBucket } from '../shared-state/leaky-bucket.js';
import type { App, Mall } from '../store/types.js';
import { requireScope, resolveCaller, type Caller } from './caller.js';
import { sharedStateDown, type TokenLimiter } from '../oauth/token-limits.js';
import { isCalendarDate } from './shop-time.js';

/** The current Admin API version (X-Cafe24-Api-Version); older ones come from configuration. */
export const CURRENT_API_VERSION = '2025-12-01';

/** One API call as the guard sees it, whatever the web framework. */
export interface ApiCall {
  mall: Mall | null;
  authorization: string | undefined;
  /** The X-Cafe24-Api-Version header, if sent. */
  apiVersion?: string | undefined;
  /** The client address (per-address limit before a JWT signature is verified). */
  ip?: string | undefined;
}

export interface GuardOptions {
  /** The scope this call needs (RFC 6750 §3.1 insufficient_scope otherwise). */
  scope: string;
  /** Negotiate X-Cafe24-Api-Version (Cafe24 dialect); false for other dialects. Default true. */
  versioned?: boolean;
  /** Another way to find the caller (POD Shop Basic credentials, JWT); default resolveCaller. */
  resolve?: (call: ApiCall) => Promise<Caller>;
}

export interface Guarded {
  caller: Caller;
  /** The API version in force, or null when not versioned. */
  version: string | null;
  /** Response headers every answer to this call carries (X-Api-Call-Limit, X-Cafe24-Api-Version). */
  headers: Record<string, string>;
}

/** Per-app settings change rarely: kept a few seconds. Revocation acts on tokens, never cached here. */
class AppSettings {
  private readonly hits = new Map<string, { app: App | undefined; until: number }>();
  constructor(private readonly ctx: OAuthContext, private readonly ttlMs = 5000) {}

  async get(clientId: string): Promise<App | undefined> {
    const now = this.ctx.clock.now();
    const hit = this.hits.get(clientId);
    if (hit && hit.until > now) return hit.app;
    const app = await this.ctx.store.apps.get(clientId);
    if (this.hits.size > 10_000) this.hits.clear();
    this.hits.set(clientId, { app, until: now + this.ttlMs });
    return app;
  }
}

/**
 * The one pipeline of every resource API call (design.md, "One API call, walked"):
 * caller -> rate-limit bucket per (mall, app) -> scope -> API version. The bucket comes before
 * the scope check so every authenticated answer, a 403 or a 4xx included, carries
 * `X-Api-Call-Limit` and counts against the bucket (wire.md: "on every response").
 * Throws OAuthError (with the headers above attached); the caller writes it in its dialect.
 */
export class ApiGuard {
  private readonly apps: AppSettings;
  private readonly versions: ReadonlySet<string>;
  private readonly limits = new Map<string, RateLimitSetting | null>();

  constructor(
    private readonly ctx: OAuthContext,
    private readonly bucket: LeakyBucket,
    private readonly config: { rateLimit: RateLimitSetting | null; apiVersions: readonly string[] },
    private readonly limiter?: TokenLimiter,
    /** Counts the calls let through, in memory (shared-state/usage.ts): the console's usage. */
    private readonly usage?: UsageCounter,
  ) {
    this.apps = new AppSettings(ctx);
    this.versions = new Set([CURRENT_API_VERSION, ...config.apiVersions]);
  }

  /** Versions this server accepts, newest first. */
  get supportedVersions(): string[] {
    return [...this.versions].sort().reverse();
  }

  async check(call: ApiCall, options: GuardOptions): Promise<Guarded> {
    const gate = this.limiter && call.ip !== undefined ? () => this.limiter!.signature(call.ip!) : undefined;
    const caller = options.resolve ? await options.resolve(call) : await resolveCaller(this.ctx, call.mall, call.authorization, gate);
    const app = await this.apps.get(caller.clientId);
    const headers: Record<string, string> = {};
    try {
      // The version first, so a 429 or 403 echoes it too; a bad version is refused after the bucket.
      let version: string | null = null;
      let badVersion: unknown = null;
      try {
        version = options.versioned === false ? null : this.version(call.apiVersion, app);
        if (version) headers['x-cafe24-api-version'] = version;
      } catch (error) {
        badVersion = error;
      }
      await this.rateLimit(caller, app, headers);
      requireScope(caller, options.scope);
      if (badVersion) throw badVersion;
      this.usage?.record(caller.mallId, caller.clientId, this.ctx.clock.now());
      return { caller, version, headers };
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      throw new OAuthError(error.error, error.description, { status: error.status, headers: { ...error.headers, ...headers } });
    }
  }

  /** wire.md, Admin API rate limit: a leaky bucket per (mall, app); "off" for an app: none. */
  private async rateLimit(caller: Caller, app: App | undefined, headers: Record<string, string>): Promise<void> {
    const limit = this.limitOf(app);
    if (!limit) return;
    let r;
    try {
      r = await this.bucket.take(`api:${caller.mallId}:${caller.clientId}`, limit, this.ctx.clock.now());
    } catch {
      // The shared store (Redis) is unreachable: refuse plainly rather than serve without a limit.
      throw sharedStateDown();
    }
    headers['x-api-call-limit'] = `${r.used}/${r.size}`;
    if (!r.allowed) {
      throw new OAuthError('rate_limited', `too many calls: the limit is ${limit.size} calls, drained ${limit.perSecond} per second; retry after ${r.retryAfterSeconds} s`, {
        headers: { 'retry-after': String(r.retryAfterSeconds) },
      });
    }
  }

  private limitOf(app: App | undefined): RateLimitSetting | null {
    const text = app?.rateLimit;
    if (text === null || text === undefined) return this.config.rateLimit;
    let limit = this.limits.get(text);
    if (limit === undefined) {
      try {
        limit = parseRateLimit(text);
      } catch {
        limit = this.config.rateLimit; // checked at registration; an unreadable value falls back to the default
      }
      this.limits.set(text, limit);
    }
    return limit;
  }

  /**
   * X-Cafe24-Api-Version: a known version is used and echoed; malformed is 422, well-formed but
   * unknown is 400; absent: the app's configured version if this server knows it, else the current one.
   */
  private version(header: string | undefined, app: App | undefined): string {
    if (header === undefined) return app?.apiVersion && this.versions.has(app.apiVersion) ? app.apiVersion : CURRENT_API_VERSION;
    const v = header.trim();
    if (!isCalendarDate(v)) throw new OAuthError('invalid_parameter', 'X-Cafe24-Api-Version must be a date YYYY-MM-DD');
    if (!this.versions.has(v)) {
      throw new OAuthError('invalid_request', `X-Cafe24-Api-Version ${v} is not supported; supported versions: ${this.supportedVersions.join(', ')}`);
    }
    return v;
  }
}
