import { describeScope } from '../oauth/scopes.js';
import { scopeWords, type Lang, type Translate } from './i18n.js';

/** How an operator is named on the pages: "Name (user_id)", or the id alone when that is the name. */
export const operatorLabel = (o: { name: string; userId: string }): string => (o.name === o.userId ? o.userId : `${o.name} (${o.userId})`);

/** Scopes in words for views/scopes.eta, as the consent page shows them (the scope itself in small print). */
export const scopeItems = (lang: Lang, scopes: readonly string[]) => scopes.map((scope) => ({ scope, words: scopeWords(lang, scope, describeScope) }));

/** The login form's message for a failed sign-in (operator-console/operator-login.ts), in the page's language. */
export function loginFailure(t: Translate, failure: { status: 401 | 429; retryAfterSeconds?: number }, wrong: 'login.wrong' | 'dev.login.wrong' = 'login.wrong'): string {
  if (failure.status === 401) return t(wrong);
  const seconds = failure.retryAfterSeconds ?? 1;
  return seconds === 1 ? t('login.throttled_one') : t('login.throttled', { seconds });
}
