import { esc, layout } from './html.js';

/** Where the demo app's redirect lands: shows the code and how to exchange it (sandbox only). */
export function demoCallbackPage(p: { tokenUrl: string; clientId: string; query: Record<string, string> }): string {
  const { code, state, error, error_description: description } = p.query;
  if (error) {
    return layout('Demo app', `<h1>The authorization ended with an error</h1>
<p class="error"><strong>${esc(error)}</strong>: ${esc(description ?? '')}</p>
<p class="sub">state: ${esc(state ?? '')}</p>`);
  }
  const curl = `curl -X POST '${p.tokenUrl}' \\
  -u '${p.clientId}:CLIENT_SECRET_FROM_SERVE_DEMO' \\
  -H 'Content-Type: application/x-www-form-urlencoded' \\
  -d 'grant_type=authorization_code' \\
  -d 'code=${code ?? ''}' \\
  -d 'redirect_uri=${p.query.redirect_uri ?? ''}'`;
  return layout('Demo app', `<h1>Authorization code received</h1>
<p class="sub">The code works once and for 60 seconds. Exchange it for tokens:</p>
<pre style="white-space: pre-wrap; word-break: break-all; font-size: .85rem">${esc(curl)}</pre>
<p class="trace">state: ${esc(state ?? '')}</p>`);
}
