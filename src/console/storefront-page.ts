import { esc } from './html.js';

/** One scripttag as the storefront page needs it. */
export interface StorefrontTag {
  scriptNo: string;
  clientId: string;
  src: string;
  integrity: string | null;
}

/**
 * The demo storefront of a mall: a plain page that carries the scripttags apps put on it, as a
 * real storefront would (`<script src integrity crossorigin>`), and lists them.
 */
export function storefrontHtml(data: { mallName: string; path: string; location: string | null; tags: StorefrontTag[] }): string {
  const scripts = data.tags
    .map((t) => `<script src="${esc(t.src)}"${t.integrity ? ` integrity="${esc(t.integrity)}" crossorigin="anonymous"` : ''} data-script-no="${esc(t.scriptNo)}"></script>`)
    .join('\n');
  const items = data.tags.map((t) => `<li><code>${esc(t.scriptNo)}</code> ${esc(t.src)} <small>(${esc(t.clientId)})</small></li>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(data.mallName)}: storefront preview</title>
${scripts}
</head>
<body>
<h1>${esc(data.mallName)}</h1>
<p>Storefront preview of <code>${esc(data.path)}</code>${data.location ? ` (display_location <code>${esc(data.location)}</code>)` : ' (no display_location: no scripttags)'}.</p>
<h2>Scripttags on this page: ${data.tags.length}</h2>
<ul id="scripttags">
${items}
</ul>
</body>
</html>
`;
}
