import type { TokenSet } from './oauth.js';

/**
 * Where an app keeps one session's tokens. `withLock` serializes refreshes: the API client reads
 * the tokens again inside it, so of several callers (or processes, for a shared store) holding
 * the same expired token only the first refreshes and the others use its result: a rotated
 * refresh token is never presented twice (which would revoke the grant, RFC 9700 §4.14.2).
 *
 * @example
 * ```ts
 * class RedisTokenStore implements TokenStore {
 *   async get() { const v = await redis.get(key); return v ? JSON.parse(v) : undefined; }
 *   async set(tokens: TokenSet) { await redis.set(key, JSON.stringify(tokens)); }
 *   async clear() { await redis.del(key); }
 *   async withLock<T>(fn: () => Promise<T>) { return withRedisLock(key, fn); }
 * }
 * ```
 */
export interface TokenStore {
  get(): Promise<TokenSet | undefined>;
  /** Persists the tokens (durably, before the new access token is used). */
  set(tokens: TokenSet): Promise<void>;
  clear(): Promise<void>;
  /** Runs `fn` holding the store's lock: within the process, and across processes for a store they share. */
  withLock<T>(fn: () => Promise<T>): Promise<T>;
}

/**
 * An in-process mutex: callers run one after another, in order.
 *
 * @example
 * ```ts
 * const mutex = new Mutex();
 * await mutex.run(async () => { ...one at a time... });
 * ```
 */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const turn = this.tail.then(fn);
    this.tail = turn.catch(() => undefined);
    return turn;
  }
}

/**
 * Tokens in memory, for one process (tests, a single-instance app that may log in again on restart).
 *
 * @example
 * ```ts
 * const client = new ShopClient({ ...app, tokenStore: new MemoryTokenStore(tokens) });
 * ```
 */
export class MemoryTokenStore implements TokenStore {
  private readonly mutex = new Mutex();

  constructor(private tokens: TokenSet | undefined = undefined) {}

  async get(): Promise<TokenSet | undefined> {
    return this.tokens === undefined ? undefined : structuredClone(this.tokens);
  }

  async set(tokens: TokenSet): Promise<void> {
    this.tokens = structuredClone(tokens);
  }

  async clear(): Promise<void> {
    this.tokens = undefined;
  }

  withLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.mutex.run(fn);
  }
}
