/** What the reference servers (bare.ts, fastify.ts) answer and are sent: the same for both. */
import { randomBytes } from 'node:crypto';
import { poolSize, type Chain, type Scenario } from '../child.js';

/** The shape of the Admin API store resource (~180 B of JSON). */
export const storeBody = {
  store: { shop_no: 1, shop_name: 'Bench Mall', mall_id: 'benchmall', timezone: 'Asia/Seoul', country_code: 'KR', currency_code: 'KRW', language_code: 'ko_KR' },
};

const token = 'x'.repeat(43);

/** A body of the size of a shopauth token response (~520 B of JSON). */
export function tokenBody(params: URLSearchParams) {
  return {
    access_token: token,
    expires_at: '2026-03-01T14:00:00.000',
    refresh_token: params.get('refresh_token') ?? token,
    refresh_token_expires_at: '2026-03-15T12:00:00.000',
    client_id: 'AAAAAAAAAAAAAAAAAAAAAA',
    mall_id: 'benchmall',
    user_id: 'boss',
    scopes: ['mall.read_store', 'mall.read_product'],
    issued_at: '2026-03-01T12:00:00.000',
    shop_no: '1',
    token_type: 'Bearer',
    expires_in: 7200,
    scope: 'mall.read_store mall.read_product',
    refresh_token_expires_in: 1209600,
  };
}

/** Refresh requests chained from a pool of unused refresh tokens (bench/wrk.lua). */
export const refreshChain = (pool: string[]): Chain => ({ pool, prefix: 'grant_type=refresh_token&refresh_token=', field: 'refresh_token' });

/**
 * The same request shape as the refresh targets: Basic credentials, a distinct form body per
 * request (the server echoes the refresh token, so the chain goes on as against a real server).
 */
export function formScenario(port: number): Omit<Scenario, 'note'> {
  return {
    port,
    method: 'POST',
    path: '/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('AAAAAAAAAAAAAAAAAAAAAA:secretsecretsecretsecretsecret12').toString('base64')}` },
    chain: refreshChain(Array.from({ length: poolSize() }, () => randomBytes(32).toString('base64url'))),
  };
}
