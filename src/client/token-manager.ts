import { NoSessionError, SessionEndedError } from './errors.js';
import type { TokenSet } from './oauth.js';
import type { TokenStore } from './token-store.js';

/**
 * Keeps a session's access token fresh: refreshes shortly before expiry and on demand (after a 401
 * `invalid_token`), **single-flight**: concurrent callers share one refresh, and across processes
 * the store's lock plus a re-read inside it make the later ones use the earlier one's result.
 * The rotated refresh token is persisted (`store.set`) before the new access token is handed out.
 *
 * @example
 * ```ts
 * const manager = new TokenManager(store, (t) => refresh(app, t.refreshToken!));
 * const { accessToken } = await manager.current();
 * ```
 */
export class TokenManager {
  private inflight: Promise<TokenSet> | undefined;
  private readonly now: () => number;
  private readonly skewMs: number;
  private readonly issue: (() => Promise<TokenSet>) | undefined;

  constructor(
    readonly store: TokenStore,
    /** Trades the tokens for new ones (the refresh grant; POD Shop may issue anew). */
    private readonly renew: (tokens: TokenSet) => Promise<TokenSet>,
    options: {
      now?: (() => number) | undefined;
      refreshSkewSeconds?: number | undefined;
      /** Makes a first session when the store is empty (POD Shop trades its key); absent: NoSessionError. */
      issue?: (() => Promise<TokenSet>) | undefined;
    } = {},
  ) {
    this.issue = options.issue;
    this.now = options.now ?? Date.now;
    this.skewMs = (options.refreshSkewSeconds ?? 60) * 1000;
  }

  /** The tokens to call with: the stored ones, refreshed first if they expire within the skew. */
  async current(): Promise<TokenSet> {
    const tokens = await this.store.get();
    if (!tokens) {
      if (!this.issue) throw new NoSessionError();
      return this.refreshed(undefined);
    }
    return this.expiring(tokens) ? this.refreshed(tokens.accessToken) : tokens;
  }

  /**
   * Fresh tokens replacing the access token `stale` (undefined: none yet): one refresh at a time in this process (callers
   * join the one in flight), and under the store's lock, where the tokens are read again: if
   * another process already replaced `stale`, its tokens are used and nothing is refreshed.
   */
  refreshed(stale: string | undefined): Promise<TokenSet> {
    this.inflight ??= this.store
      .withLock(async () => {
        const tokens = await this.store.get();
        if (!tokens) {
          if (!this.issue) throw new NoSessionError();
          const first = await this.issue();
          await this.store.set(first);
          return first;
        }
        if (tokens.accessToken !== stale && !this.expiring(tokens)) return tokens;
        let next: TokenSet;
        try {
          next = await this.renew(tokens);
        } catch (error) {
          // RFC 6749 §5.2 invalid_grant: the refresh token is dead, so is the session.
          if (error instanceof SessionEndedError) await this.store.clear();
          throw error;
        }
        await this.store.set(next);
        return next;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  private expiring(tokens: TokenSet): boolean {
    return tokens.expiresAt !== null && tokens.expiresAt - this.skewMs <= this.now();
  }
}
