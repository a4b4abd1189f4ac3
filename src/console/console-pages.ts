import type { InstalledApp } from '../operator-console/installed-apps.js';
import { localTime } from '../time/local-time.js';
import type { Operator } from '../store/types.js';
import { operatorLabel, scopeItems } from './authorize-pages.js';
import type { Lang, Translate } from './i18n.js';

/** The console's URLs under a mall base (`/malls/{mall_id}` or `` in the host form). */
export const consoleUrls = (base: string) => ({
  home: `${base}/console`,
  logout: `${base}/console/logout`,
  install: `${base}/console/install`,
  operators: `${base}/console/operators`,
  credentials: `${base}/console/credentials`,
  audit: `${base}/console/audit`,
  launch: (clientId: string) => `${base}/console/apps/${encodeURIComponent(clientId)}/launch`,
  installApp: (clientId: string) => `${base}/console/apps/${encodeURIComponent(clientId)}/install`,
  remove: (clientId: string) => `${base}/console/apps/${encodeURIComponent(clientId)}/remove`,
  removeOperator: (userId: string) => `${base}/console/operators/${encodeURIComponent(userId)}/remove`,
  revokeCredentials: (clientId: string) => `${base}/console/credentials/${encodeURIComponent(clientId)}/revoke`,
});

export type ConsoleUrls = ReturnType<typeof consoleUrls>;

/** "2026-03-01 12:00 (Asia/Seoul)": the mall's local time, as its tokens tell it. */
export const when = (at: number, timezone: string) => `${localTime(at, timezone).slice(0, 16).replace('T', ' ')} (${timezone})`;

/** The console's tabs; sub-operators see only what they may use. */
export function consoleNav(t: Translate, urls: ConsoleUrls, operator: Pick<Operator, 'userType'>, current: string) {
  const tabs: [string, string][] = [[urls.home, t('console.nav.apps')]];
  if (operator.userType === 'P') {
    tabs.push([urls.install, t('console.nav.install')], [urls.operators, t('console.nav.operators')], [urls.credentials, t('console.nav.credentials')], [urls.audit, t('console.nav.audit')]);
  }
  return tabs.map(([href, label]) => ({ href, label, current: href === current }));
}

export interface AppUsage {
  /** Calls in the last 24 h. */
  calls: number;
  lastUse: number | null;
}

/** The data of views/console-apps.eta. */
export function appsData(p: {
  lang: Lang;
  t: Translate;
  mallName: string;
  timezone: string;
  operator: Pick<Operator, 'userId' | 'name' | 'userType'>;
  apps: InstalledApp[];
  usage: Map<string, AppUsage>;
  urls: ConsoleUrls;
  csrfToken: string;
}) {
  const { t } = p;
  return {
    mallName: p.mallName,
    csrfToken: p.csrfToken,
    logout: p.urls.logout,
    role: t(p.operator.userType === 'P' ? 'console.signed_in_p' : 'console.signed_in_a', { operator: operatorLabel(p.operator) }),
    apps: p.apps.map(({ app, consents, launchable }) => {
      const usage = p.usage.get(app.clientId);
      return {
        name: app.name,
        clientId: app.clientId,
        consents: consents.map((c) => ({ text: t('console.allowed_by', { operator: operatorLabel(c), when: when(c.at, p.timezone) }), scopes: scopeItems(p.lang, c.scopes) })),
        usage: usage?.lastUse ? t('console.usage', { when: when(usage.lastUse, p.timezone), calls: usage.calls }) : t('console.usage_never'),
        open: launchable ? p.urls.launch(app.clientId) : null,
        unavailable: launchable ? null : t(app.clientType === 'public' ? 'console.launch_public' : 'console.launch_legacy'),
        // Only the representative operator may remove an app (the POST checks it again).
        remove: p.operator.userType === 'P' ? p.urls.remove(app.clientId) : null,
      };
    }),
  };
}
