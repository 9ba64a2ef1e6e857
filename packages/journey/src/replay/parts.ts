import { normalizeIdentityValue, type CatalogEvent, type Identity } from '@omnitrail/events';

// A replay can fold parts of its events apart (on several threads) and add up their tallies, provided that
// no event of one part can change the fold of another. What ties events together in a fold: identity
// resolution works on customers and normalised identities; the cases projection on case ids (and a
// follow-up case takes the id of the event that opens it); the customer projections read only their own
// customer's events and cases. Keys are conservative: one too many only keeps more events together.

/** Prefixes, so a customer id, an identity and a case id that happen to be equal strings stay apart. */
const CUSTOMER = 'c:';
const IDENTITY = 'i:';
const CASE = 'k:';

/** The key of a case id among {@link foldLinkKeys}' keys. */
export function caseLinkKey(caseId: string): string {
  return CASE + caseId;
}

function identityKeys(identities: readonly Identity[] | undefined, out: string[]): void {
  if (identities === undefined) return;
  for (const identity of identities) {
    const type = identity.type.trim();
    const value = normalizeIdentityValue(type, identity.value);
    // A value identity resolution cannot normalise is ignored by it too.
    if (value === undefined) continue;
    out.push(`${IDENTITY}${type}:${value}`);
    // Resolution names a customer found only by an identity `id:<type>:<value>`: a customer id like any other.
    out.push(`${CUSTOMER}id:${type}:${value}`);
  }
}

/**
 * The keys that tie an event to the other events its fold can depend on (within its tenant): the customer
 * it names, the identities it carries or links (normalised as identity resolution normalises them), the
 * customers a merge or an unmerge names, its case, the cases a merge or a follow-up names, and, for an event
 * on a case, its own id (a follow-up case takes the id of the event that opens it). Events of one tenant
 * that share no chain of keys fold independently of each other. With `ownId: false` the last key (its own
 * id as a case) is left out, for a caller that looks it up among the other events' cases instead of
 * indexing one key per event.
 */
export function foldLinkKeys(event: CatalogEvent, options: { ownId?: boolean } = {}): string[] {
  const keys: string[] = [];
  if (event.customerId !== undefined) keys.push(CUSTOMER + event.customerId);
  // A customer found by no identity at all is named after the event.
  else keys.push(`${CUSTOMER}id:event:${event.id}`);
  identityKeys(event.identities, keys);
  switch (event.type) {
    case 'CustomerIdentified':
      identityKeys(event.data.identities, keys);
      break;
    case 'IdentitiesLinked':
      identityKeys([event.data.a, event.data.b], keys);
      break;
    case 'CustomersMerged':
      keys.push(CUSTOMER + event.data.survivorId, CUSTOMER + event.data.mergedId);
      break;
    case 'CustomersUnmerged':
      keys.push(CUSTOMER + event.data.customerId);
      identityKeys(event.data.identities, keys);
      break;
    case 'CasesMerged':
      keys.push(CASE + event.data.sourceCaseId, CASE + event.data.targetCaseId);
      break;
    case 'CaseOpened':
      if (event.data.followUpOf !== undefined) keys.push(CASE + event.data.followUpOf);
      break;
    default:
      break;
  }
  if (event.caseId !== undefined) {
    keys.push(CASE + event.caseId);
    if (options.ownId !== false) keys.push(CASE + event.id);
  }
  return keys;
}

/**
 * Splits events into at most `parts` groups that fold independently: events of one tenant tied by a chain
 * of {@link foldLinkKeys} stay in one group. Groups are balanced by event count (the largest connected sets
 * first, each into the group with the fewest events); within a group events keep their order. Empty groups
 * are left out.
 */
export function partitionEvents(events: readonly CatalogEvent[], parts: number): CatalogEvent[][] {
  if (!Number.isInteger(parts) || parts < 1) throw new RangeError(`parts must be a positive integer, got ${parts}`);
  // Union-find over the keys, per tenant (the tenant id prefixes every key).
  const index = new Map<string, number>();
  const parent: number[] = [];
  const find = (x: number): number => {
    let root = x;
    while (parent[root]! !== root) root = parent[root]!;
    while (parent[x]! !== root) {
      const next = parent[x]!;
      parent[x] = root;
      x = next;
    }
    return root;
  };
  const first = new Int32Array(events.length);
  events.forEach((event, i) => {
    let root = -1;
    for (const key of foldLinkKeys(event)) {
      const full = `${event.tenantId}\u0000${key}`;
      let k = index.get(full);
      if (k === undefined) {
        index.set(full, (k = parent.length));
        parent.push(k);
      }
      const r = find(k);
      if (root < 0) root = r;
      else if (r !== root) {
        // The smaller index stays the root, so the result does not depend on which key came first.
        if (r < root) {
          parent[root] = r;
          root = r;
        } else parent[r] = root;
      }
    }
    first[i] = root;
  });
  // Events per connected set, then the sets in descending size (ties: first seen), each to the lightest group.
  const sizes = new Map<number, number>();
  const roots = new Int32Array(events.length);
  for (let i = 0; i < events.length; i++) {
    const r = (roots[i] = find(first[i]!));
    sizes.set(r, (sizes.get(r) ?? 0) + 1);
  }
  const sets = [...sizes].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  const load = new Array<number>(parts).fill(0);
  const groupOf = new Map<number, number>();
  for (const [root, size] of sets) {
    let g = 0;
    for (let j = 1; j < parts; j++) if (load[j]! < load[g]!) g = j;
    groupOf.set(root, g);
    load[g]! += size;
  }
  const groups: CatalogEvent[][] = Array.from({ length: parts }, () => []);
  for (let i = 0; i < events.length; i++) groups[groupOf.get(roots[i]!)!]!.push(events[i]!);
  return groups.filter((g) => g.length > 0);
}
