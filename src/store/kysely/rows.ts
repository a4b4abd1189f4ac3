import type { Kysely, Selectable } from 'kysely';
import type { AppsTable, AuthCodesTable, Database, GrantsTable, TokensTable } from '../schema.js';
import type { App, AuthCode, Grant, TokenRecord } from '../types.js';
import { retrying } from './retry.js';

/** Row <-> domain mapping: JSON lists and snake_case stay in the store. */
export const list = (json: string): string[] => JSON.parse(json) as string[];

export const toApp = (r: Selectable<AppsTable>): App => ({
  clientId: r.client_id,
  secretHash: r.secret_hash,
  kind: r.kind,
  mallId: r.mall_id,
  name: r.name,
  appUrl: r.app_url,
  redirectUris: list(r.redirect_uris),
  scopes: list(r.scopes),
  clientType: r.client_type,
  rateLimit: r.rate_limit,
  apiVersion: r.api_version,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
});

export const toGrant = (r: Selectable<GrantsTable>): Grant => ({
  grantId: r.grant_id,
  mallId: r.mall_id,
  clientId: r.client_id,
  userId: r.user_id,
  scopes: list(r.scopes),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  revokedAt: r.revoked_at,
});

export const toCode = (r: Selectable<AuthCodesTable>): AuthCode => ({
  codeHash: r.code_hash,
  mallId: r.mall_id,
  clientId: r.client_id,
  userId: r.user_id,
  grantId: r.grant_id,
  familyId: r.family_id,
  redirectUri: r.redirect_uri,
  scopes: list(r.scopes),
  codeChallenge: r.code_challenge,
  codeChallengeMethod: r.code_challenge_method,
  expiresAt: r.expires_at,
  consumedAt: r.consumed_at,
  createdAt: r.created_at,
});

export const toToken = (r: Selectable<TokensTable>): TokenRecord => ({
  tokenHash: r.token_hash,
  kind: r.kind,
  mallId: r.mall_id,
  clientId: r.client_id,
  userId: r.user_id,
  grantId: r.grant_id,
  familyId: r.family_id,
  scopes: list(r.scopes),
  jti: r.jti,
  issuedAt: r.issued_at,
  expiresAt: r.expires_at,
  rotatedAt: r.rotated_at,
  revokedAt: r.revoked_at,
  parentHash: r.parent_hash,
});

export const fromToken = (t: TokenRecord): Selectable<TokensTable> => ({
  token_hash: t.tokenHash,
  kind: t.kind,
  mall_id: t.mallId,
  client_id: t.clientId,
  user_id: t.userId,
  grant_id: t.grantId,
  family_id: t.familyId,
  scopes: JSON.stringify(t.scopes),
  jti: t.jti,
  issued_at: t.issuedAt,
  expires_at: t.expiresAt,
  rotated_at: t.rotatedAt,
  revoked_at: t.revokedAt,
  parent_hash: t.parentHash ?? null,
  retried_at: null,
});

/** Runs fn in the caller's transaction if there is one, else in a new one (retried: store/kysely/retry.ts). */
export const atomic = <T, DB = Database>(db: Kysely<DB>, fn: (db: Kysely<DB>) => Promise<T>): Promise<T> =>
  db.isTransaction ? fn(db) : retrying(db, () => db.transaction().execute(fn));
