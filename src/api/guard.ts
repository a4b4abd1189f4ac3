import { ApiError, ShopauthError } from '../errors.js';
import type { RateLimitSetting } from '../config.js';
import { parseRateLimit } from '../config.js';
import type { AppContext } from '../app-context.js';
import { OAuthError } from '../oauth/errors.js';
import type { UsageCounter } from '../shared-state/usage.js';
import type { LeakyBucket } from '../shared-state/leaky-bucket.js';
import type { App, Mall } from '../store/types.js';
import { requireScope, resolveCaller, type Caller } from './caller.js';
import { sharedStateDown, type TokenLimiter } from '../throttle/token-limits.js';
import { isCalendarDate } from './shop-time.js';
import { DEFAULT_USAGE_LIMIT, parseUsageLimit, UsageMeter, type UsageLimit, type UsageReading } from './usage-meter.js';

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
  /**
   * Set by the guard once the caller is known and the usage layer applies: what `finish` needs
   * to charge the call's processing time (wire.md, Usage headers), errors included.
   */
  meter?: { key: string; limit: UsageLimit };
}

export interface GuardOptions {
  /** The scope this call needs (RFC 6750 §3.1 insufficient_scope otherwise). */
  scope: string;
  /** Negotiate X-Cafe24-Api-Version (Cafe24 dialect); false for other dialects. Default true. */
  versioned?: boolean;
  /** Cafe24's usage layer (X-Cafe24-Call-Usage, ...); default: as `versioned`. */
  metered?: boolean;
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
  private readonly hits = new Map<string, { app: App | undefined; usageLimit: string | null; until: number }>();
  constructor(private readonly ctx: AppContext, private readonly ttlMs = 5000) {}

  async get(clientId: string): Promise<{ app: App | undefined; usageLimit: string | null }> {
    const now = this.ctx.clock.now();
    const hit = this.hits.get(clientId);
    if (hit && hit.until > now) return hit;
    const [app, usageLimit] = await Promise.all([this.ctx.store.apps.get(clientId), this.ctx.store.shop.usageLimits.get(clientId)]);
    if (this.hits.size > 10_000) this.hits.clear();
    const entry = { app, usageLimit: usageLimit ?? null, until: now + this.ttlMs };
    this.hits.set(clientId, entry);
    return entry;
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
  /** The oldest version still valid: what an expired one falls back to. */
  private readonly oldestVersion: string;
  private readonly limits = new Map<string, RateLimitSetting | null>();
  private readonly usageLimits = new Map<string, UsageLimit | null>();
  private readonly meter: UsageMeter;

  constructor(
    private readonly ctx: AppContext,
    private readonly bucket: LeakyBucket,
    private readonly config: { rateLimit: RateLimitSetting | null; apiVersions: readonly string[] },
    private readonly limiter?: TokenLimiter,
    /** Counts the calls let through, in memory (shared-state/usage.ts): the console's usage. */
    private readonly usage?: UsageCounter,
  ) {
    this.apps = new AppSettings(ctx);
    this.meter = new UsageMeter(bucket);
    this.versions = new Set([CURRENT_API_VERSION, ...config.apiVersions]);
    this.oldestVersion = [...this.versions].sort()[0]!;
  }

  /** The version an app's calls get when they send no X-Cafe24-Api-Version. */
  versionOf(app: App | undefined): string {
    return this.version(undefined, app);
  }

  /** Versions this server accepts, newest first. */
  get supportedVersions(): string[] {
    return [...this.versions].sort().reverse();
  }

  async check(call: ApiCall, options: GuardOptions): Promise<Guarded> {
    const gate = this.limiter && call.ip !== undefined ? () => this.limiter!.signature(call.ip!) : undefined;
    const caller = await resolveCaller(this.ctx, call.mall, call.authorization, gate);
    const { app, usageLimit } = await this.apps.get(caller.clientId);
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
      const refusal = await this.rateLimit(caller, app, headers);
      const blocked = (options.metered ?? options.versioned !== false) ? await this.usageLayer(call, caller, usageLimit, headers) : null;
      if (refusal) throw refusal;
      if (blocked) throw blocked;
      requireScope(caller, options.scope);
      if (badVersion) throw badVersion;
      this.usage?.record(caller.mallId, caller.clientId, this.ctx.clock.now());
      return { caller, version, headers };
    } catch (error) {
      if (!(error instanceof ShopauthError)) throw error;
      throw error.withHeaders(headers);
    }
  }

  /**
   * Charges a finished call's processing time to the usage layer (after the answer is written,
   * so it shows on the next answer). A no-op when the layer did not apply to the call.
   */
  async finish(call: ApiCall, elapsedMs: number): Promise<void> {
    if (!call.meter) return;
    try {
      await this.meter.charge(call.meter.key, call.meter.limit, this.ctx.clock.now(), elapsedMs);
    } catch {
      // The shared store failed after the answer: the next call's check reports it.
    }
  }

  /**
   * wire.md, Usage headers: both percentages on every answer; the -Remain headers once a meter
   * reaches 100 %. Returns the 429 to throw when the call is refused (after the bucket's).
   */
  private async usageLayer(call: ApiCall, caller: Caller, text: string | null, headers: Record<string, string>): Promise<ShopauthError | null> {
    const limit = this.usageLimitOf(text);
    if (!limit) return null;
    const key = `${caller.mallId}:${caller.clientId}`;
    let r: UsageReading;
    try {
      r = await this.meter.call(key, limit, this.ctx.clock.now());
    } catch {
      return new OAuthError('temporarily_unavailable', 'the rate limiter is unavailable; retry shortly', { headers: { 'retry-after': '1' } });
    }
    call.meter = { key, limit };
    headers['x-cafe24-call-usage'] = String(r.callUsage);
    headers['x-cafe24-time-usage'] = String(r.timeUsage);
    if (r.callRemain !== null) headers['x-cafe24-call-remain'] = String(r.callRemain);
    if (r.timeRemain !== null) headers['x-cafe24-time-remain'] = String(r.timeRemain);
    if (!r.blocked) return null;
    const wait = Math.max(r.callRemain ?? 0, r.timeRemain ?? 0, 1);
    const what = r.timeRemain !== null && (r.callRemain === null || r.timeRemain >= r.callRemain) ? 'processing time' : 'calls';
    return new ApiError('rate_limited', `API usage limit reached (${what} at 100 %); calls resume in ${wait} s, and calls made before then lengthen the wait`, {
      headers: { 'retry-after': String(wait) },
    });
  }

  private usageLimitOf(text: string | null): UsageLimit | null {
    if (text === null) return DEFAULT_USAGE_LIMIT;
    let limit = this.usageLimits.get(text);
    if (limit === undefined) {
      try {
        limit = parseUsageLimit(text);
      } catch {
        limit = DEFAULT_USAGE_LIMIT; // checked when set; an unreadable value falls back to the default
      }
      this.usageLimits.set(text, limit);
    }
    return limit;
  }

  /** wire.md, Admin API rate limit: a leaky bucket per (mall, app); "off" for an app: none. Returns the 429 to throw. */
  private async rateLimit(caller: Caller, app: App | undefined, headers: Record<string, string>): Promise<ShopauthError | null> {
    const limit = this.limitOf(app);
    if (!limit) return null;
    let r;
    try {
      r = await this.bucket.take(`api:${caller.mallId}:${caller.clientId}`, limit, this.ctx.clock.now());
    } catch {
      // The shared store (Redis) is unreachable: refuse plainly rather than serve without a limit.
      throw sharedStateDown();
    }
    headers['x-api-call-limit'] = `${r.used}/${r.size}`;
    if (!r.allowed) {
      return new ApiError('rate_limited', `too many calls: the limit is ${limit.size} calls, drained ${limit.perSecond} per second; retry after ${r.retryAfterSeconds} s`, {
        headers: { 'retry-after': String(r.retryAfterSeconds) },
      });
    }
    return null;
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
   * X-Cafe24-Api-Version (wire.md, Admin API): absent, the app's configured version; a version
   * this server supports is used and echoed; an expired one (older than every supported version)
   * falls back to the oldest still valid, as Cafe24 does; malformed is 422, and a well-formed
   * date that is no version (between or after the supported ones) is 400. An app configured for
   * an expired version gets the oldest valid one too; one configured for none gets the current.
   */
  private version(header: string | undefined, app: App | undefined): string {
    if (header === undefined) {
      const configured = app?.apiVersion;
      if (!configured) return CURRENT_API_VERSION;
      if (this.versions.has(configured)) return configured;
      return configured < this.oldestVersion ? this.oldestVersion : CURRENT_API_VERSION;
    }
    const v = header.trim();
    if (!isCalendarDate(v)) throw new ApiError('invalid_parameter', 'X-Cafe24-Api-Version must be a date YYYY-MM-DD');
    if (this.versions.has(v)) return v;
    if (v < this.oldestVersion) return this.oldestVersion;
    throw new OAuthError('invalid_request', `X-Cafe24-Api-Version ${v} is not supported; supported versions: ${this.supportedVersions.join(', ')}`);
  }

}
