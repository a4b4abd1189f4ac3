/** The demo app's pages' data (templates views/demo-callback.eta and views/demo-launch.eta). */
export function demoCallbackData(p: { tokenUrl: string; clientId: string; query: Record<string, string> }) {
  const { code, state, error, error_description: description } = p.query;
  const curl = `curl -X POST '${p.tokenUrl}' \\
  -u '${p.clientId}:CLIENT_SECRET_FROM_SERVE_DEMO' \\
  -H 'Content-Type: application/x-www-form-urlencoded' \\
  -d 'grant_type=authorization_code' \\
  -d 'code=${code ?? ''}' \\
  -d 'redirect_uri=${p.query.redirect_uri ?? ''}'`;
  return { error: error ?? '', description: description ?? '', state: state ?? '', curl };
}
