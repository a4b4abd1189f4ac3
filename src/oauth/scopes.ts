import { OAuthError } from './errors.js';

/** Cafe24 scope categories (wire.md, Admin API scopes), with words for the consent page. */
export const SCOPE_CATEGORIES: Readonly<Record<string, string>> = {
  application: 'apps',
  category: 'product categories',
  collection: 'product collections',
  supply: 'suppliers',
  personal: 'personalization',
  order: 'orders',
  community: 'boards and reviews',
  customer: 'customers',
  notification: 'notifications',
  store: 'store settings',
  promotion: 'promotions',
  design: 'design',
  product: 'products',
  salesreport: 'sales reports',
  privacy: 'personal information',
  mileage: 'mileage',
  shipping: 'shipping',
  translation: 'translations',
};

export const KNOWN_SCOPES: readonly string[] = [
  ...Object.keys(SCOPE_CATEGORIES).flatMap((c) => [`mall.read_${c}`, `mall.write_${c}`]),
  'mall.read_analytics',
];

const known = new Set(KNOWN_SCOPES);

/** The scope in words, e.g. "mall.read_order" -> "Read orders". */
export function describeScope(scope: string): string {
  if (scope === 'mall.read_analytics') return 'Read analytics';
  const m = /^mall\.(read|write)_(\w+)$/.exec(scope);
  const what = m?.[2] && SCOPE_CATEGORIES[m[2]];
  if (!m || !what) return scope;
  return `${m[1] === 'read' ? 'Read' : 'Read and change'} ${what}`;
}

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * Parses a scope parameter, comma- or space-separated (wire.md: both are in use), in order,
 * without duplicates. A malformed one is `invalid_scope`.
 */
export function parseScopes(raw: string): string[] {
  const scopes = raw.split(/[\s,]+/).filter((s) => s.length > 0);
  for (const s of scopes) {
    if (!SCOPE_TOKEN.test(s)) throw new OAuthError('invalid_scope', 'the scope parameter is malformed');
  }
  return [...new Set(scopes)];
}

/** Checks a registry's scope list (CLI input): each must be a known Cafe24 scope. */
export function validateRegisteredScopes(scopes: string[]): string[] {
  const unknown = scopes.filter((s) => !known.has(s));
  if (unknown.length > 0) throw new Error(`unknown scope(s): ${unknown.join(', ')} (known: mall.read_X, mall.write_X)`);
  if (scopes.length === 0) throw new Error('at least one scope is required');
  return [...new Set(scopes)];
}

/** Scopes a request may have: every one must be within `allowed`. */
export function requireSubset(requested: string[], allowed: readonly string[]): void {
  const extra = requested.filter((s) => !allowed.includes(s));
  if (extra.length > 0) throw new OAuthError('invalid_scope', `scope not allowed for this app: ${extra.join(' ')}`);
}
