import { describeScope, SCOPE_CATEGORIES } from '../oauth/scopes.js';
import { scopeWords, type Lang } from './i18n.js';

/**
 * The scope picker ("권한 선택") of the app and credentials forms: the known Cafe24 scopes
 * (oauth/scopes.ts) grouped by category, each saying what it allows.
 */
export function scopeGroups(lang: Lang, checked: readonly string[] = []) {
  const item = (scope: string) => ({ scope, words: scopeWords(lang, scope, describeScope), checked: checked.includes(scope) });
  const groups = Object.keys(SCOPE_CATEGORIES).map((c) => ({
    id: c,
    title: scopeWords(lang, `mall.read_${c}`, describeScope).replace(/^Read |^(.*) 읽기$/, '$1'),
    scopes: [item(`mall.read_${c}`), item(`mall.write_${c}`)],
  }));
  groups.push({ id: 'analytics', title: scopeWords(lang, 'mall.read_analytics', describeScope), scopes: [item('mall.read_analytics')] });
  return groups;
}
