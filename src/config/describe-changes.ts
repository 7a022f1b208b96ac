/**
 * One line saying what a reload changed, per tenant: `dev: +1 user, ~1 client, -1 rule`.
 * Entities are matched by their Auth0 identity (client_id, API identifier, connection/email …) and
 * compared by content.
 */
import type { Config, TenantConfig } from './schema.js';

type Keyed = Map<string, string>;

function keyed<T>(items: readonly T[], key: (t: T) => string): Keyed {
  return new Map(items.map((item) => [key(item), JSON.stringify(item)]));
}

function count(before: Keyed, after: Keyed): { added: number; removed: number; changed: number } {
  let added = 0;
  let changed = 0;
  for (const [k, v] of after) {
    const old = before.get(k);
    if (old === undefined) added++;
    else if (old !== v) changed++;
  }
  const removed = [...before.keys()].filter((k) => !after.has(k)).length;
  return { added, removed, changed };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function views(t: TenantConfig): Record<string, Keyed> {
  return {
    user: keyed(t.connections.flatMap((c) => c.users.map((u) => ({ c: c.name, u }))), (x) => `${x.c}\n${x.u.email.toLowerCase()}`),
    client: keyed(t.clients, (c) => c.client_id),
    api: keyed(t.apis, (a) => a.identifier),
    role: keyed(t.roles, (r) => r.name),
    connection: keyed(t.connections.map(({ users: _users, ...rest }) => rest), (c) => c.name),
    'client grant': keyed(t.client_grants, (g) => `${g.client_id}\n${g.audience}`),
    setting: keyed(
      Object.entries(t).filter(([k]) => !['apis', 'roles', 'clients', 'client_grants', 'connections', 'name'].includes(k)),
      ([k]) => k,
    ),
  };
}

/**
 * @param extensionsChanged tenant names whose extension files changed content (the config only names them)
 */
export function describeChanges(before: Config, after: Config, extensionsChanged: ReadonlySet<string> = new Set()): string {
  const parts: string[] = [];
  const old = new Map(before.tenants.map((t) => [t.name, t]));
  for (const tenant of after.tenants) {
    const previous = old.get(tenant.name);
    if (!previous) {
      parts.push(`+tenant ${tenant.name}`);
      continue;
    }
    const a = views(previous);
    const b = views(tenant);
    const changes: string[] = [];
    for (const kind of Object.keys(b)) {
      const { added, removed, changed } = count(a[kind]!, b[kind]!);
      if (added) changes.push(`+${plural(added, kind)}`);
      if (removed) changes.push(`-${plural(removed, kind)}`);
      if (changed) changes.push(`~${plural(changed, kind)}`);
    }
    if (extensionsChanged.has(tenant.name)) changes.push('~extension code');
    if (changes.length) parts.push(`${tenant.name}: ${changes.join(', ')}`);
  }
  for (const name of old.keys()) if (!after.tenants.some((t) => t.name === name)) parts.push(`-tenant ${name}`);
  return parts.length ? parts.join('; ') : 'no changes';
}
