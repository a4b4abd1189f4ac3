import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { basic, REDIRECT_URI, seedApp, seedMall } from '../support/fixtures.js';
import { startServer, type TestServer } from '../support/server.js';

/**
 * Issue 15, item 7: error_description never carries an attacker-chosen parameter name of any
 * length or character set. RFC 6749 §4.1.2.1 and §5.2 allow only %x20-21 / %x23-5B / %x5D-7E.
 */
let s: TestServer;
let app: { clientId: string; clientSecret: string };

beforeAll(async () => {
  s = await startServer();
  await seedMall(s, 'mall1');
  app = await seedApp(s);
});
afterAll(() => s.close());

const ALLOWED = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const evilName = `x"\\<script>${'\u00e9\u202e'.repeat(3)}${'a'.repeat(5000)}`;

describe('error_description on the wire', () => {
  test('authorization redirect: a repeated parameter with a long, odd name is named in 40 characters of RFC 6749 §4.1.2.1 text', async () => {
    const q = new URLSearchParams({ response_type: 'code', client_id: app.clientId, redirect_uri: REDIRECT_URI, scope: 'mall.read_store', state: 'st' });
    q.append(evilName, '1');
    q.append(evilName, '2');
    const res = await fetch(`${s.mallUrl('mall1')}/api/v2/oauth/authorize?${q.toString()}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    const description = location.searchParams.get('error_description')!;
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(description).toBe(`x??<script>??????${'a'.repeat(23)}... is repeated`);
    expect(description).toMatch(ALLOWED);
  });

  test('token endpoint JSON: the same name in a repeated form field is cut and cleaned too', async () => {
    const body = new URLSearchParams({ grant_type: 'authorization_code', code: 'x', redirect_uri: REDIRECT_URI });
    body.append(evilName, '1');
    body.append(evilName, '2');
    const res = await fetch(`${s.mallUrl('mall1')}/api/v2/oauth/token`, {
      method: 'POST',
      headers: { authorization: basic(app.clientId, app.clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    });
    expect(res.status).toBe(400);
    const json = (await res.json()) as { error: string; error_description: string; trace_id: string };
    expect(json).toEqual({ error: 'invalid_request', error_description: `x??<script>??????${'a'.repeat(23)}... is repeated`, trace_id: res.headers.get('x-trace-id') });
    expect(json.error_description).toMatch(ALLOWED);
  });
});
