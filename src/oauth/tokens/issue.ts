import type { Store, TokenRecord } from '../../store/types.js';
import type { AppContext } from '../../app-context.js';
import { randomToken } from '../secrets.js';
import { opaqueFormat, type AccessTokenFormat } from './format.js';

export interface TokenSubject {
  issuer: string;
  mallId: string;
  clientId: string;
  userId: string;
  scopes: string[];
  grantId: string | null;
  /** Every token minted from one code or one credentials login shares a family (RFC 9700 §4.14.2). */
  familyId: string;
}

export interface IssuedTokens extends TokenSubject {
  accessToken: string;
  refreshToken: string;
  issuedAt: number;
  accessExpiresAt: number;
  refreshExpiresAt: number;
}

export interface IssueOptions {
  format?: AccessTokenFormat;
  accessMs?: number;
  refreshMs?: number;
  /** Store to write to: pass the transaction's so issuance lands with the rest or not at all. */
  store?: Store;
  /** The refresh token's stored hash this pair replaces (rotation; the grace retry finds the pair by it). */
  parentHash?: string;
}

/** Mints an access token and a refresh token and stores both by hash. */
export async function issueTokenPair(ctx: AppContext, subject: TokenSubject, options: IssueOptions = {}): Promise<IssuedTokens> {
  const issuedAt = ctx.clock.now();
  const accessExpiresAt = issuedAt + (options.accessMs ?? ctx.lifetimes.accessMs);
  const refreshExpiresAt = issuedAt + (options.refreshMs ?? ctx.lifetimes.refreshMs);
  const format = options.format ?? opaqueFormat;
  const { token: accessToken, jti } = await format.mint({ ...subject, issuedAt, expiresAt: accessExpiresAt });
  const refreshToken = randomToken();
  const common = {
    mallId: subject.mallId,
    clientId: subject.clientId,
    userId: subject.userId,
    grantId: subject.grantId,
    familyId: subject.familyId,
    scopes: subject.scopes,
    issuedAt,
    rotatedAt: null,
    revokedAt: null,
    parentHash: options.parentHash ?? null,
  };
  const records: TokenRecord[] = [
    { ...common, tokenHash: ctx.hasher.hash(accessToken), kind: 'access', jti, expiresAt: accessExpiresAt },
    { ...common, tokenHash: ctx.hasher.hash(refreshToken), kind: 'refresh', jti: null, expiresAt: refreshExpiresAt },
  ];
  await (options.store ?? ctx.store).tokens.save(records);
  return { ...subject, accessToken, refreshToken, issuedAt, accessExpiresAt, refreshExpiresAt };
}

/** Is this stored token usable now? */
export const isLive = (t: TokenRecord, now: number): boolean => t.revokedAt === null && t.expiresAt > now;
