import { describeScope } from '../oauth/scopes.js';
import { esc, layout } from './html.js';

interface FormPage {
  mallName: string;
  appName: string;
  /** Where the form posts: the authorization URL itself, query included. */
  action: string;
  csrfToken: string;
}

/**
 * Operator login (form fields `user_id` and `password`): for an app's authorization request, or
 * (no `appName`) for the operator console.
 */
export function loginPage(p: Omit<FormPage, 'appName'> & { appName?: string; error?: string }): string {
  const lead = p.appName !== undefined
    ? `<strong>${esc(p.appName)}</strong> asks to access this shop. Sign in as its operator to continue.`
    : 'Sign in as an operator of this shop to see and manage its apps.';
  return layout(
    'Sign in',
    `<h1>Sign in to ${esc(p.mallName)}</h1>
<p class="sub">${lead}</p>
${p.error ? `<p class="error" role="alert">${esc(p.error)}</p>` : ''}
<form method="post" action="${esc(p.action)}">
  <input type="hidden" name="csrf_token" value="${esc(p.csrfToken)}">
  <label for="user_id">Operator ID</label>
  <input type="text" id="user_id" name="user_id" autocomplete="username" required autofocus>
  <label for="password">Password</label>
  <input type="password" id="password" name="password" autocomplete="current-password" required>
  <div class="actions"><button class="primary" type="submit">Sign in</button></div>
</form>`,
  );
}

/** Consent: the app and each requested scope in words; `decision` = allow | deny. */
export function consentPage(p: FormPage & { operator: string; scopes: string[] }): string {
  return layout(
    'Allow access',
    `<h1>Allow ${esc(p.appName)}?</h1>
<p class="sub">Signed in to ${esc(p.mallName)} as ${esc(p.operator)}. The app asks to:</p>
${scopeList(p.scopes)}
<form method="post" action="${esc(p.action)}">
  <input type="hidden" name="csrf_token" value="${esc(p.csrfToken)}">
  <div class="actions">
    <button class="secondary" type="submit" name="decision" value="deny">Deny</button>
    <button class="primary" type="submit" name="decision" value="allow">Allow</button>
  </div>
</form>`,
  );
}

/** How an operator is named on the pages: "Name (user_id)", or the id alone when that is the name. */
export const operatorLabel = (o: { name: string; userId: string }): string => (o.name === o.userId ? o.userId : `${o.name} (${o.userId})`);

/** Scopes in words, as the consent page shows them (the scope itself in small print). */
export function scopeList(scopes: string[]): string {
  return `<ul class="scopes">\n${scopes.map((s) => `    <li>${esc(describeScope(s))} <code>${esc(s)}</code></li>`).join('\n')}\n</ul>`;
}

/** An error shown to the person, for requests that must not be redirected (RFC 6749 §4.1.2.1). */
export function errorPage(p: { error: string; description: string; traceId: string }): string {
  return layout(
    'Error',
    `<h1>This request cannot go on</h1>
<p class="error" role="alert"><strong>${esc(p.error)}</strong>: ${esc(p.description)}</p>
<p class="trace">trace_id: ${esc(p.traceId)}</p>`,
  );
}
