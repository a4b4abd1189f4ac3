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

/** The demo app's App URL: what a launch from the operator console brought (wire.md, App URL launch). */
export function demoLaunchPage(p: { params: [string, string][]; verified: boolean }): string {
  const rows = p.params.map(([k, v]) => `<li><code>${esc(k)}</code> ${esc(v)}</li>`).join('\n  ');
  return layout('Demo app', `<h1>Demo app opened</h1>
<p class="${p.verified ? 'sub' : 'error'}">${p.verified ? 'The hmac verifies with the demo app’s client secret: the launch came from shopauth.' : 'The hmac does not verify: this launch did not come from shopauth.'}</p>
<ul class="scopes">
  ${rows}
</ul>`);
}
