import { launchUnavailable } from '../oauth/app-launch.js';
import type { InstalledApp } from '../oauth/installed-apps.js';
import { localTime } from '../oauth/local-time.js';
import type { Operator } from '../store/types.js';
import { operatorLabel, scopeList } from './authorize-pages.js';
import { esc, layout } from './html.js';

/** The console's URLs under a mall base (`/malls/{mall_id}` or `` in the host form). */
export const consoleUrls = (base: string) => ({
  home: `${base}/console`,
  logout: `${base}/console/logout`,
  launch: (clientId: string) => `${base}/console/apps/${encodeURIComponent(clientId)}/launch`,
  remove: (clientId: string) => `${base}/console/apps/${encodeURIComponent(clientId)}/remove`,
});

const postButton = (action: string, csrfToken: string, label: string) =>
  `<form method="post" action="${esc(action)}"><input type="hidden" name="csrf_token" value="${esc(csrfToken)}"><button class="secondary" type="submit">${esc(label)}</button></form>`;

/** "2026-03-01 12:00 (Asia/Seoul)": the mall's local time, as its tokens tell it. */
const when = (at: number, timezone: string) => `${localTime(at, timezone).slice(0, 16).replace('T', ' ')} (${timezone})`;

function appSection(installed: InstalledApp, p: AppsPage, urls: ReturnType<typeof consoleUrls>): string {
  const { app } = installed;
  const consents = installed.consents
    .map((c) => `<p class="muted">Allowed by ${esc(operatorLabel(c))} on ${esc(when(c.at, p.timezone))}; it may:</p>\n${scopeList(c.scopes)}`)
    .join('\n');
  const open = installed.launchable
    ? `<a class="button" href="${esc(urls.launch(app.clientId))}">Open</a>`
    : `<p class="error">${esc(launchUnavailable(app.clientType))}</p>`;
  // Only the representative operator may remove an app (the POST checks it again).
  const remove = p.operator.userType === 'P' ? postButton(urls.remove(app.clientId), p.csrfToken, 'Remove') : '';
  return `<section class="app">
<h2>${esc(app.name)}</h2>
<p class="muted"><code>${esc(app.clientId)}</code></p>
${consents}
<div class="actions">${open}${remove}</div>
</section>`;
}

interface AppsPage {
  mallName: string;
  timezone: string;
  /** The mall base of the links and forms. */
  base: string;
  operator: Pick<Operator, 'userId' | 'name' | 'userType'>;
  apps: InstalledApp[];
  csrfToken: string;
}

/** The operator console: the apps installed in the mall, each with Open and (representative) Remove. */
export function appsPage(p: AppsPage): string {
  const urls = consoleUrls(p.base);
  const apps = p.apps.length === 0 ? '<p>No apps are installed in this shop.</p>' : p.apps.map((a) => appSection(a, p, urls)).join('\n');
  const role = p.operator.userType === 'P' ? 'the representative operator' : 'a sub-operator: you can open apps; only the representative operator can remove them';
  return layout(
    'Apps',
    `<h1>Apps in ${esc(p.mallName)}</h1>
<p class="sub">Signed in as ${esc(operatorLabel(p.operator))}, ${role}.</p>
${apps}
<div class="actions">${postButton(urls.logout, p.csrfToken, 'Sign out')}</div>`,
    { wide: true },
  );
}
