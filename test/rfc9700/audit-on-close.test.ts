import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { openStore } from '../../src/store/kysely/store.js';
import { seedApp, seedMall } from '../support/fixtures.js';
import { obtainTokens, postForm } from '../support/oauth.js';
import { startServer } from '../support/server.js';

/**
 * Audit writes are batched on a short timer (audit/audit.ts) and SQLite writes share a commit
 * (store/dialects/sqlite.ts): events of the very last requests before a server closes are still
 * stored, with nobody calling flush().
 */
const dir = mkdtempSync(join(tmpdir(), 'shopauth-audit-close-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('events recorded just before close are durable', async () => {
  const db = join(dir, 'shopauth.db');
  const s = await startServer({ db });
  await seedMall(s, 'mall1');
  const app = await seedApp(s);
  const t = await obtainTokens(s, 'mall1', app);
  expect((await postForm(s, 'mall1', 'token', { grant_type: 'refresh_token', refresh_token: t.refresh_token }, app)).status).toBe(200);
  await s.close();

  const reopened = await openStore(db);
  try {
    const types = (await reopened.audit.list({ mallId: 'mall1' })).map((e) => e.type);
    expect(types.filter((type) => type === 'token.issued')).toHaveLength(2);
  } finally {
    await reopened.close();
  }
});
