import { randomToken } from '../secrets.js';

/** What an access token says, whatever its format. */
export interface AccessClaims {
  issuer: string;
  mallId: string;
  clientId: string;
  userId: string;
  scopes: string[];
  issuedAt: number;
  expiresAt: number;
}

/**
 * Token formats behind one strategy (fosite's model): opaque strings whose hash is stored, or
 * self-contained JWTs (RFC 9068), also stored by hash so they can be revoked at once.
 */
export interface AccessTokenFormat {
  mint(claims: AccessClaims): Promise<{ token: string; jti: string | null }>;
}

/** Opaque: 256 random bits. Nothing in the token; everything in the store under its hash. */
export const opaqueFormat: AccessTokenFormat = {
  mint: async () => ({ token: randomToken(), jti: null }),
};
