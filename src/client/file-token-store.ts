import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, mkdir, open, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { LockTimeoutError } from './errors.js';
import type { TokenSet } from './oauth.js';
import { Mutex, type TokenStore } from './token-store.js';
import { isObject, sleep } from './wire.js';

/**
 * Options of a FileTokenStore.
 *
 * @example
 * ```ts
 * new FileTokenStore('/var/lib/myapp/tokens.json', { lockTimeoutMs: 10_000 });
 * ```
 */
export interface FileTokenStoreOptions {
  /** How long to wait for another process's lock before LockTimeoutError (default 30 s). */
  lockTimeoutMs?: number | undefined;
  /** A lock not touched for this long is abandoned and broken (default 30 s; the holder touches it every third of that). */
  staleLockMs?: number | undefined;
}

/**
 * Tokens in a JSON file, shared safely by every process of the app on one machine:
 * - writes are atomic: a temporary file (mode 0600) is written, fsynced and renamed over the old
 *   one, so a reader sees the old tokens or the new ones, never half of them, even after a crash;
 * - `withLock` takes a lock file (`{path}.lock`, created with O_EXCL) next to it, so two processes
 *   never refresh with the same refresh token. A lock whose holder died (same host, its pid gone)
 *   or that was not touched for `staleLockMs` is broken.
 *
 * @example
 * ```ts
 * const tokenStore = new FileTokenStore(join(homedir(), '.config', 'myapp', 'tokens.json'));
 * const client = new ShopClient({ ...app, tokenStore });
 * ```
 */
export class FileTokenStore implements TokenStore {
  readonly lockPath: string;
  private readonly mutex = new Mutex();
  private readonly lockTimeoutMs: number;
  private readonly staleLockMs: number;

  constructor(
    readonly path: string,
    options: FileTokenStoreOptions = {},
  ) {
    this.lockPath = `${path}.lock`;
    this.lockTimeoutMs = options.lockTimeoutMs ?? 30_000;
    this.staleLockMs = options.staleLockMs ?? 30_000;
  }

  async get(): Promise<TokenSet | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const parsed = JSON.parse(text) as unknown;
    return isObject(parsed) && isObject(parsed.tokens) ? (parsed.tokens as unknown as TokenSet) : undefined;
  }

  async set(tokens: TokenSet): Promise<void> {
    await writeFileAtomic(this.path, `${JSON.stringify({ version: 1, tokens })}\n`);
  }

  async clear(): Promise<void> {
    await unlink(this.path).catch(ignore('ENOENT'));
  }

  /** Within the process first (cheap), then across processes with the lock file. */
  withLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.mutex.run(async () => {
      const id = await this.acquire();
      const touch = setInterval(() => {
        const now = new Date();
        utimes(this.lockPath, now, now).catch(() => undefined);
      }, Math.max(50, this.staleLockMs / 3));
      touch.unref();
      try {
        return await fn();
      } finally {
        clearInterval(touch);
        await this.release(id);
      }
    });
  }

  private async acquire(): Promise<string> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const id = `${process.pid} ${hostname()} ${randomBytes(8).toString('hex')}`;
    const deadline = Date.now() + this.lockTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        const handle = await open(this.lockPath, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
        try {
          await handle.writeFile(id);
        } finally {
          await handle.close();
        }
        return id;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      await this.breakIfStale();
      if (Date.now() > deadline) throw new LockTimeoutError(this.lockPath);
      // Back off from 2 ms to 50 ms, with jitter so waiters do not retry in lockstep.
      await sleep(Math.min(50, 2 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random()));
    }
  }

  /**
   * Breaks an abandoned lock. The lock is renamed aside first (atomic, so of two breakers only one
   * gets it) and checked to be the one judged stale; a fresh lock taken in between is put back.
   */
  private async breakIfStale(): Promise<void> {
    let holder: string;
    let touchedAt: number;
    try {
      [holder, touchedAt] = await Promise.all([readFile(this.lockPath, 'utf8'), stat(this.lockPath).then((s) => s.mtimeMs)]);
    } catch {
      return; // released meanwhile
    }
    if (!this.isStale(holder, touchedAt)) return;
    const aside = `${this.lockPath}.${randomBytes(6).toString('hex')}.stale`;
    try {
      await rename(this.lockPath, aside);
    } catch {
      return; // another waiter broke it first
    }
    const moved = await readFile(aside, 'utf8').catch(() => '');
    if (moved !== holder) await link(aside, this.lockPath).catch(() => undefined);
    await unlink(aside).catch(() => undefined);
  }

  private isStale(holder: string, touchedAt: number): boolean {
    if (Date.now() - touchedAt > this.staleLockMs) return true;
    const [pid, host] = holder.split(' ');
    if (host !== hostname() || pid === undefined || !/^\d+$/.test(pid)) return false;
    try {
      process.kill(Number(pid), 0);
      return false;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ESRCH';
    }
  }

  private async release(id: string): Promise<void> {
    // Only our own lock is removed (one broken as stale and retaken by another stays theirs).
    const holder = await readFile(this.lockPath, 'utf8').catch(() => undefined);
    if (holder === id) await unlink(this.lockPath).catch(ignore('ENOENT'));
  }
}

/**
 * Writes a file atomically with mode 0600: a temporary file next to it, fsync, rename, then
 * fsync of the directory so the rename survives a crash.
 *
 * @example
 * ```ts
 * await writeFileAtomic('/home/me/.config/shopauth/session.json', JSON.stringify(session));
 * ```
 */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(tmp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
  try {
    await handle.writeFile(data, 'utf8');
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  await rename(tmp, path);
  const dirHandle = await open(dir, constants.O_RDONLY).catch(() => undefined);
  if (dirHandle) {
    await dirHandle.sync().catch(() => undefined);
    await dirHandle.close();
  }
}

const ignore = (code: string) => (error: NodeJS.ErrnoException) => {
  if (error.code !== code) throw error;
};
