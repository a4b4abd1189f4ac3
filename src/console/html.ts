/** Escapes text for HTML element content and double-quoted attributes. */
export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The page frame shared by the login, consent, error and console pages: no script, inline style
 * only. `wide` for lists (the operator console).
 */
export function layout(title: string, body: string, options: { wide?: boolean } = {}): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(title)} · shopauth</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans KR", sans-serif; }
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: Canvas; }
  main { width: min(26rem, 92vw); padding: 2rem; border: 1px solid color-mix(in srgb, CanvasText 15%, transparent); border-radius: 12px; }
  h1 { font-size: 1.3rem; margin: 0 0 .3rem; }
  p.sub { margin: 0 0 1.2rem; opacity: .75; }
  label { display: block; margin: .8rem 0 .3rem; font-weight: 600; }
  input[type=text], input[type=password] { width: 100%; box-sizing: border-box; padding: .6rem; font-size: 1rem; border-radius: 6px; border: 1px solid color-mix(in srgb, CanvasText 30%, transparent); }
  ul.scopes { padding-left: 1.2rem; } ul.scopes li { margin: .35rem 0; } code { font-size: .85em; opacity: .7; }
  .actions { display: flex; gap: .6rem; margin-top: 1.4rem; }
  button { flex: 1; padding: .7rem; font-size: 1rem; border-radius: 6px; border: 1px solid transparent; cursor: pointer; }
  button.primary { background: #2457d6; color: #fff; } button.secondary { background: transparent; border-color: color-mix(in srgb, CanvasText 30%, transparent); color: CanvasText; }
  .error { padding: .7rem; border-radius: 6px; background: color-mix(in srgb, #d62424 15%, transparent); }
  .trace { font-size: .8rem; opacity: .6; word-break: break-all; }
  main.wide { width: min(44rem, 92vw); }
  section.app { border-top: 1px solid color-mix(in srgb, CanvasText 15%, transparent); padding: 1rem 0; }
  section.app h2 { font-size: 1.1rem; margin: 0; } .muted { opacity: .7; font-size: .9rem; margin: .5rem 0 0; }
  .actions form { display: contents; }
  a.button { flex: 1; padding: .7rem; text-align: center; border-radius: 6px; text-decoration: none; background: #2457d6; color: #fff; }
</style>
</head>
<body><main${options.wide ? ' class="wide"' : ''}>
${body}
</main></body>
</html>`;
}
