import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import { esc } from './html.js';
import { translator, type Lang, type Translate } from './i18n.js';

/**
 * The server-rendered pages: Eta templates in ./views (copied next to the compiled module by
 * `npm run build`), escaping every `<%= %>` by default with `esc`; `<%~ %>` (raw) only for
 * nested templates. One stylesheet and one small script, served as static assets under a
 * content hash so the Content-Security-Policy can allow 'self' and nothing inline.
 */
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

const eta = new Eta({ views: here('./views'), autoEscape: true, escapeFunction: esc, cache: true, autoTrim: [false, 'nl'] });

function asset(file: string, type: string) {
  const body = readFileSync(here(`./assets/${file}`));
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  const [stem, ext] = file.split('.') as [string, string];
  return { path: `/assets/${stem}.${hash}.${ext}`, body, type };
}

/** The static assets of the pages, by their hashed path (served with a year's cache). */
export const ASSETS = {
  css: asset('shopauth.css', 'text/css; charset=utf-8'),
  js: asset('shopauth.js', 'text/javascript; charset=utf-8'),
};

/** What every page template sees besides its own data. */
export interface PageFrame {
  lang: Lang;
  t: Translate;
  /** The current path and query, for the language switch's way back. */
  here: string;
  /** Set on the operator console and developer center: their navigation. */
  nav?: { href: string; label: string; current: boolean }[];
}

export function render(template: string, frame: { lang: Lang; here: string; nav?: PageFrame['nav'] }, data: object): string {
  return eta.render(template, { ...data, ...frame, t: translator(frame.lang), assets: { css: ASSETS.css.path, js: ASSETS.js.path } });
}
