import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileTokenStore, LockTimeoutError, type TokenSet } from '../../src/client/index.js';

const tokens = (n: number): TokenSet => ({ accessToken: `a${n}`, tokenType: 'Bearer', expiresAt: 1000 * n, refreshToken: `r${n}`, scopes: ['mall.read_store'] });
const fresh = () => join(mkdtempSync(join(tmpdir(), 'sdk-file-store-')), 'app', 'tokens.json');

describe('FileTokenStore', () => {
  it('writes atomically with mode 0600 in a 0700 directory, leaving no temporary file', async () => {
    const path = fresh();
    const store = new FileTokenStore(path);
    expect(await store.get()).toBeUndefined();
    await store.set(tokens(1));
    await store.set(tokens(2));
    expect(await store.get()).toEqual(tokens(2));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(path, '..')).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(path, '..'))).toEqual(['tokens.json']);
    await store.clear();
    expect(await store.get()).toBeUndefined();
  });

  it('withLock runs one holder at a time within a process and removes its lock file', async () => {
    const path = fresh();
    const store = new FileTokenStore(path);
    const order: string[] = [];
    await Promise.all(
      [1, 2, 3].map((n) =>
        store.withLock(async () => {
          order.push(`in${n}`);
          await new Promise((resolve) => setImmediate(resolve));
          order.push(`out${n}`);
        }),
      ),
    );
    expect(order).toEqual(['in1', 'out1', 'in2', 'out2', 'in3', 'out3']);
    expect(readdirSync(join(path, '..'))).toEqual([]);
  });

  it('breaks a lock whose holder died, and waits for a live one until LockTimeoutError', async () => {
    const path = fresh();
    const store = new FileTokenStore(path, { lockTimeoutMs: 300 });
    await store.set(tokens(1));
    // A process that has exited: its pid is gone.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(`${path}.lock`, `${dead} ${hostname()} feedface`);
    expect(await store.withLock(async () => 'ran')).toBe('ran');

    writeFileSync(`${path}.lock`, `${process.pid} ${hostname()} another-holder`);
    const error = await store.withLock(async () => 'ran').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect(error).toMatchObject({ code: 'ERR_LOCK_TIMEOUT', lockPath: `${path}.lock` });
  });
});
