import { expect } from 'vitest';
import { authorizeCode } from '../support/browser.js';
import { basic, REDIRECT_URI, seedApp } from '../support/fixtures.js';
import { consentTokens } from '../support/oauth.js';
import type { TestServer } from '../support/server.js';

export const ALL_SHOP_SCOPES = [
  'mall.read_store', 'mall.read_product', 'mall.write_product', 'mall.read_order', 'mall.write_order', 'mall.read_customer',
];

/** An app, consented by mall `boss` with `scopes`, and its access token (the real authorization code flow). */
export async function tokenFor(s: TestServer, mallId: string, options: { scopes?: string[]; rateLimit?: string; appScopes?: string[] } = {}) {
  const scopes = options.scopes ?? ALL_SHOP_SCOPES;
  const { clientId, clientSecret } = await seedApp(s, { scopes: options.appScopes ?? ALL_SHOP_SCOPES, ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}) });
  const code = await authorizeCode(s, { mallId, clientId, scope: scopes.join(',') });
  const res = await fetch(`${s.mallUrl(mallId)}/api/v2/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(clientId, clientSecret) },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI }).toString(),
  });
  if (res.status !== 200) throw new Error(`token: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { access_token: string; refresh_token: string };
  return { clientId, clientSecret, token: body.access_token, refreshToken: body.refresh_token };
}

/**
 * An app consented in `mallId` with `scopes` (consentTokens: no login page, so a test can have a
 * mall and a token of its own cheaply), its access token and an Admin API client on it.
 */
export async function consentedApi(s: TestServer, mallId: string, options: { scopes?: string[] } = {}) {
  const client = await seedApp(s, { scopes: ALL_SHOP_SCOPES });
  const { access_token: token } = await consentTokens(s, mallId, client, { scopes: options.scopes ?? ALL_SHOP_SCOPES });
  return { client, token, api: adminApi(s, mallId, token) };
}

/** An Admin API client for one mall and token. */
export function adminApi(s: TestServer, mallId: string, token: string | null) {
  const call = async (method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}) => {
    const res = await fetch(`${s.mallUrl(mallId)}/api/v2/admin${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...options.headers,
      },
      ...(options.body !== undefined ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as any) : undefined };
  };
  return {
    get: (path: string, headers?: Record<string, string>) => call('GET', path, headers ? { headers } : {}),
    post: (path: string, body: unknown, headers?: Record<string, string>) => call('POST', path, { body, ...(headers ? { headers } : {}) }),
    put: (path: string, body: unknown) => call('PUT', path, { body }),
    delete: (path: string) => call('DELETE', path),
    call,
  };
}

/** The Cafe24 error body (wire.md), with any trace_id. */
export const apiError = (code: number, message: string) => ({ error: { code, message, more_info: {}, trace_id: expect.stringMatching(/^[0-9a-f]{24}$/) } });
