import type { Clock } from '../clock.js';
import type { BucketLimit, LeakyBucket } from '../shared-state/index.js';
import { addressBucket } from './address-bucket.js';
import { sharedStateDown } from './token-limits.js';

/**
 * Login throttling against online password guessing (issue 5): two leaky buckets per attempt, one
 * per address (IPv4 /32, IPv6 /64) and one per account (mall + operator id). Every attempt pours one unit into each,
 * BEFORE the password is checked, so a throttled attempt learns nothing. A successful login
 * empties the account's bucket (not the address's: signing in to one's own account must not buy
 * more guesses at others). Buckets live in the shared state (Redis when configured), so the
 * limits hold across instances.
 */
export const LOGIN_LIMITS: { account: BucketLimit; address: BucketLimit } = {
  /** 5 attempts at once, then one a minute. */
  account: { size: 5, perSecond: 1 / 60 },
  /** 20 attempts at once, then one every 6 seconds, over all accounts. */
  address: { size: 20, perSecond: 1 / 6 },
};

export type ThrottleVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number; by: 'account' | 'address' };

export class LoginThrottle {
  constructor(
    private readonly bucket: LeakyBucket,
    private readonly clock: Clock,
    private readonly limits = LOGIN_LIMITS,
    /** Called when the shared state fails; the attempt is then refused with 503 (fail closed: no unthrottled guessing). */
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  private static accountKey = (mallId: string, userId: string) => `login:account:${mallId}:${userId.slice(0, 64)}`;
  /** Per IPv4 address, per IPv6 /64 (address-bucket.ts). */
  private static addressKey = (ip: string) => `login:address:${addressBucket(ip)}`;

  /** Records an attempt; says whether it may go on. */
  async attempt(mallId: string, userId: string, ip: string): Promise<ThrottleVerdict> {
    try {
      const now = this.clock.now();
      const byAddress = await this.bucket.take(LoginThrottle.addressKey(ip), this.limits.address, now);
      if (!byAddress.allowed) return { allowed: false, retryAfterSeconds: byAddress.retryAfterSeconds, by: 'address' };
      const byAccount = await this.bucket.take(LoginThrottle.accountKey(mallId, userId), this.limits.account, now);
      if (!byAccount.allowed) return { allowed: false, retryAfterSeconds: byAccount.retryAfterSeconds, by: 'account' };
      return { allowed: true };
    } catch (error) {
      this.onError(error);
      throw sharedStateDown();
    }
  }

  /** A successful login: the account's failures are forgiven. */
  async succeeded(mallId: string, userId: string): Promise<void> {
    try {
      await this.bucket.reset(LoginThrottle.accountKey(mallId, userId));
    } catch (error) {
      this.onError(error);
    }
  }
}
