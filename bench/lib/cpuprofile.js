/**
 * Summaries of a V8 .cpuprofile (what `node --cpu-prof` writes): self time per function and per
 * module/package, as shares of the busy (non-idle) time of the main thread. Work on the libuv thread pool
 * (RSA signing with node:crypto's async sign) does not appear: only what the event loop thread does.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * @typedef {object} ProfileNode
 * @property {number} id
 * @property {{ functionName: string, url: string, lineNumber: number, columnNumber: number }} callFrame
 * @property {number[]} [children]
 */

/**
 * @typedef {object} SelfTime
 * @property {string} name function name (or a V8 pseudo-frame such as "(garbage collector)")
 * @property {string} where file:line (1-based), shortened
 * @property {string} module the package (node_modules/<name>), `dist/<file>`, `node:<internal>`, or the pseudo-frame
 * @property {number} ms
 * @property {number} share of busy time, 0..1
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** @param {string} url */
function moduleOf(url) {
  if (!url) return '';
  if (url.startsWith('node:')) return url;
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const nm = path.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = path.slice(nm + 'node_modules/'.length).split('/');
    return (rest[0] ?? '').startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? '');
  }
  return path.startsWith(ROOT) ? path.slice(ROOT.length) : path;
}

/** @param {string} url */
function shortPath(url) {
  if (!url) return '';
  if (url.startsWith('node:')) return url;
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const nm = path.lastIndexOf('node_modules/');
  if (nm >= 0) return path.slice(nm + 'node_modules/'.length);
  return path.startsWith(ROOT) ? path.slice(ROOT.length) : path;
}

/**
 * @param {string} file a .cpuprofile
 * @param {number} [top]
 */
export function summarizeProfile(file, top = 25) {
  /** @type {{ nodes: ProfileNode[], samples: number[], timeDeltas: number[], startTime: number, endTime: number }} */
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  /** @type {Map<number, ProfileNode>} */
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  /** @type {Map<number, number>} µs of self time per node */
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = /** @type {number} */ (profile.samples[i]);
    // A sample's time is the delta to the next one.
    const dt = profile.timeDeltas[i + 1] ?? 0;
    self.set(id, (self.get(id) ?? 0) + Math.max(0, dt));
  }
  /** @type {Map<string, { name: string, where: string, module: string, us: number }>} */
  const fns = new Map();
  /** @type {Map<string, number>} */
  const modules = new Map();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of self) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    totalUs += us;
    if (functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const name = functionName || '(anonymous)';
    const where = url ? `${shortPath(url)}:${lineNumber + 1}` : '';
    const key = `${name}@${where}`;
    const entry = fns.get(key) ?? { name, where, module: moduleOf(url) || name, us: 0 };
    entry.us += us;
    fns.set(key, entry);
    const mod = moduleOf(url) || name;
    modules.set(mod, (modules.get(mod) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  /** @type {(us: number) => { ms: number, share: number }} */
  const share = (us) => ({ ms: Math.round(us / 100) / 10, share: busyUs ? Math.round((us / busyUs) * 1000) / 1000 : 0 });
  return {
    totalMs: Math.round(totalUs / 1000),
    busyMs: Math.round(busyUs / 1000),
    idleShare: totalUs ? Math.round((idleUs / totalUs) * 1000) / 1000 : 0,
    /** @type {SelfTime[]} */
    functions: [...fns.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ name: f.name, where: f.where, module: f.module, ...share(f.us) })),
    modules: [...modules.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([module, us]) => ({ module, ...share(us) })),
  };
}
