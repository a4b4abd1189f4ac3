/**
 * Summarises a V8 .cpuprofile: share of busy time by area (shopauth's own files, each package, node
 * internals, GC), the top functions by self time, and inclusive time of each shopauth function
 * (what its calls cost, children included). Run alone: `node --import tsx bench/profile.ts FILE`.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository's root as a file URL: its files are named relative to it (src/..., bench/...). */
const rootUrl = `${pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '..')).href}/`;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function area(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] ?? url;
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  if (url.startsWith(rootUrl)) return url.slice(rootUrl.length);
  return url;
}

const label = (n: ProfileNode) => {
  const { functionName, url, lineNumber } = n.callFrame;
  const where = url ? `${area(url, functionName)}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'} ${where}`.trim();
};

export function summarizeProfile(file: string, top = 25): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const self = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const fn = byId.get(id)?.callFrame.functionName;
    if (fn === '(idle)') return;
    self.set(id, (self.get(id) ?? 0) + dt);
    total += dt;
  });

  const areas = new Map<string, number>();
  const selfFn = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, t] of self) {
    const n = byId.get(id);
    if (!n) continue;
    const a = area(n.callFrame.url, n.callFrame.functionName);
    areas.set(a, (areas.get(a) ?? 0) + t);
    selfFn.set(label(n), (selfFn.get(label(n)) ?? 0) + t);
    // Inclusive: every distinct function on the stack of this sample gets its time once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const node = byId.get(cur);
      if (!node || !/\/src\//.test(node.callFrame.url)) continue;
      const key = label(node);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + t);
    }
  }

  const pct = (t: number) => `${((100 * t) / total).toFixed(1).padStart(5)}%`;
  const list = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, t]) => `  ${pct(t)}  ${k}`)
      .join('\n');
  return [
    `busy time ${(total / 1000).toFixed(0)} ms (idle excluded)`,
    'by area (self time):',
    list(areas, 18),
    `top ${top} functions by self time:`,
    list(selfFn, top),
    'shopauth functions, inclusive time:',
    list(inclusive, 20),
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const file of process.argv.slice(2)) console.log(`== ${file}\n${summarizeProfile(file)}\n`);
}
