import { ApiError } from '../errors.js';
import type { Clock } from '../clock.js';
import type { BucketLimit, LeakyBucket } from '../shared-state/index.js';
import { addressBucket } from './address-bucket.js';
import { OAuthError } from '../oauth/errors.js';

/**
 * Rate limits of the token endpoints (issue 15, item 8): the Cafe24 token endpoint, POD Shop's
 * `/ac/oauth/ext/token` and its refresh. Leaky buckets in the shared state (memory, or Redis so the
 * limits hold across instances):
 * - per address (IPv4 /32, IPv6 /64), taken BEFORE the request is parsed or the client
 *   authenticated, so nothing costly is done for a flood;
 * - per authenticated client at a mall, taken right after authentication: one client cannot mint
 *   families without bound (POD Shop's token call starts a new one each time), and a client id
 *   someone else sends cannot use it up (only the holder of the secret pours into it).
 * Refused: 429 with Retry-After. If the shared state (Redis) fails, the request is refused with
 * 503 `temporarily_unavailable` and Retry-After: 1 (fail closed, docs/operations.md): a limit that
 * silently stops holding across instances is worse than a short, visible outage.
 */
/**
 * One bucket size and drain for the three limits (`--token-rate-limit`, default 120 at once,
 * then 2 a second): per address, per client at a mall, and per address for API calls whose JWT
 * signature is not yet known good.
 */
export const DEFAULT_TOKEN_LIMIT: BucketLimit = { size: 120, perSecond: 2 };

/** The answer while the shared state cannot be reached (fail closed, docs/operations.md). */
export const sharedStateDown = () => new OAuthError('temporarily_unavailable', 'the rate limiter is unavailable; retry shortly', { headers: { 'retry-after': '1' } });

export class TokenLimiter {
  constructor(
    private readonly bucket: LeakyBucket,
    private readonly clock: Clock,
    private readonly limit: BucketLimit = DEFAULT_TOKEN_LIMIT,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  /** Before anything else: the caller's address. */
  address(ip: string): Promise<void> {
    return this.take(`token:address:${addressBucket(ip)}`, 'from this address');
  }

  /** After client authentication: the client at this mall. */
  client(mallId: string, clientId: string): Promise<void> {
    return this.take(`token:client:${mallId}:${clientId}`, 'for this client');
  }

  /** Before an ECDSA verification of an unknown JWT on the API (api/caller.ts). */
  signature(ip: string): Promise<void> {
    return this.take(`api:verify:${addressBucket(ip)}`, 'with new access tokens from this address', 'rate_limited');
  }

  private async take(key: string, what: string, code: 'temporarily_unavailable' | 'rate_limited' = 'temporarily_unavailable'): Promise<void> {
    let result;
    try {
      result = await this.bucket.take(key, this.limit, this.clock.now());
    } catch (error) {
      this.onError(error);
      throw sharedStateDown();
    }
    if (!result.allowed) {
      const wait = result.retryAfterSeconds;
      const text = `too many requests ${what}; retry after ${wait} s`;
      const options = { status: 429, headers: { 'retry-after': String(wait) } };
      throw code === 'rate_limited' ? new ApiError(code, text, options) : new OAuthError(code, text, options);
    }
  }
}
