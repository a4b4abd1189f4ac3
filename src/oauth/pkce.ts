import { createHash } from 'node:crypto';
import { safeEqual } from './secrets.js';

// RFC 7636 §4.1: code_verifier = 43*128unreserved; §4.2: S256 challenge is 43 base64url chars.
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

export const isValidChallenge = (challenge: string): boolean => CHALLENGE.test(challenge);

/** RFC 7636 §4.6: BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge. S256 only (RFC 9700 §2.1.1). */
export function verifyPkce(verifier: string, challenge: string): boolean {
  if (!VERIFIER.test(verifier)) return false;
  return safeEqual(createHash('sha256').update(verifier).digest('base64url'), challenge);
}
