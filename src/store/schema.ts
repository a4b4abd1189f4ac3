/**
 * Table shapes as kysely sees them. Timestamps are epoch milliseconds (BIGINT on PostgreSQL);
 * lists (scopes, redirect URIs) are JSON text so both dialects store them alike.
 * No secret is stored in plaintext: client secrets, codes, tokens and session ids by keyed hash,
 * passwords by scrypt.
 */
export interface MallsTable {
  mall_id: string;
  name: string;
  timezone: string;
  shop_no: number;
  created_at: number;
}

export interface OperatorsTable {
  mall_id: string;
  user_id: string;
  /** scrypt$N$r$p$salt$hash */
  password_hash: string;
  /** P: representative operator, A: sub-operator (wire.md, App URL launch). */
  user_type: 'P' | 'A';
  name: string;
  created_at: number;
}

export interface AppsTable {
  client_id: string;
  /** HMAC-SHA256 of the client secret under the server key; null for public clients. */
  secret_hash: string | null;
  /** 'app': a Cafe24-style OAuth app; 'credentials': POD Shop API credentials bound to one mall. */
  kind: 'app' | 'credentials';
  /** Set for 'credentials': the only mall they act on. */
  mall_id: string | null;
  name: string;
  app_url: string;
  /** JSON array of exact redirect URIs. */
  redirect_uris: string;
  /** JSON array of allowed scopes. */
  scopes: string;
  client_type: 'confidential' | 'public';
  /** "size/drain" per second, "off", or null for the server default. */
  rate_limit: string | null;
  /** X-Cafe24-Api-Version used when a request sends none; null: the current version. */
  api_version: string | null;
  created_at: number;
  revoked_at: number | null;
}

export interface GrantsTable {
  grant_id: string;
  mall_id: string;
  client_id: string;
  user_id: string;
  /** JSON array of granted scopes. */
  scopes: string;
  created_at: number;
  updated_at: number;
  revoked_at: number | null;
}

export interface AuthCodesTable {
  code_hash: string;
  mall_id: string;
  client_id: string;
  user_id: string;
  grant_id: string;
  /** Tokens minted from this code carry the same family, so a replay can revoke them (RFC 6749 §4.1.2). */
  family_id: string;
  redirect_uri: string;
  scopes: string;
  code_challenge: string | null;
  code_challenge_method: string | null;
  expires_at: number;
  consumed_at: number | null;
  created_at: number;
}

export interface TokensTable {
  token_hash: string;
  kind: 'access' | 'refresh';
  mall_id: string;
  client_id: string;
  /** The operator who consented, or the client id for POD Shop credentials. */
  user_id: string;
  grant_id: string | null;
  family_id: string;
  scopes: string;
  /** jti for JWT access tokens, so a revoked JWT can be refused by id. */
  jti: string | null;
  issued_at: number;
  expires_at: number;
  /** Refresh tokens: set when exchanged for a new pair. Presenting it again is reuse. */
  rotated_at: number | null;
  revoked_at: number | null;
  /** The refresh token this pair was rotated from (migration 009). */
  parent_hash: string | null;
  /** Refresh tokens: set when the one grace retry after rotation is spent (migration 009). */
  retried_at: number | null;
}

export interface SessionsTable {
  session_hash: string;
  mall_id: string;
  user_id: string;
  created_at: number;
  expires_at: number;
}

export interface SettingsTable {
  key: string;
  value: string;
}

export interface Database {
  malls: MallsTable;
  operators: OperatorsTable;
  apps: AppsTable;
  grants: GrantsTable;
  auth_codes: AuthCodesTable;
  tokens: TokensTable;
  sessions: SessionsTable;
  settings: SettingsTable;
}
