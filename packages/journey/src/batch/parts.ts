import type { CatalogEvent, Identity } from '@omnitrail/events';
import { normaliseValue } from '../core/identity/normalise.js';

// A replay can fold parts of its events apart (on several threads) and add up their tallies, provided that
// no event of one part can change the fold of another. What ties events together in a fold: identity
// resolution works on customers and normalised identities; the cases projection on case ids (and a
// follow-up case takes the id of the event that opens it); the customer projections read only their own
// customer's events and cases. Keys are conservative: one too many only keeps more events together.

/** Prefixes, so a customer id, an identity and a case id that happen to be equal strings stay apart. */
const CUSTOMER = 'c:';
const IDENTITY = 'i:';
const CASE = 'k:';
/** The marketplaces view pairs returns and cancellations with the order they name. */
const ORDER = 'o:';

/** The key of a case id among {@link foldLinkKeys}' keys. */
export function caseLinkKey(caseId: string): string {
  return CASE + caseId;
}

function identityKeys(identities: readonly Identity[] | undefined, out: string[]): void {
  if (identities === undefined) return;
  for (const identity of identities) {
    const type = identity.type.trim();
    const value = normaliseValue(type, identity.value);
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
 * customers a merge or an unmerge names, the order an order event names, its case, the cases a merge or a follow-up names, and, for an event
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
    case 'OrderPlaced':
    case 'OrderReturned':
    case 'OrderCancelled':
      keys.push(ORDER + event.data.orderId);
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

/** Connected sets of fold link keys (union-find): what events are joined by to fold apart. */
export interface LinkSets {
  /** The node of a key, made when the key is new (nodes are numbered in order of first appearance). */
  node(key: string): number;
  /** The node of a key seen before, else `undefined`. */
  nodeOf(key: string): number | undefined;
  /** Joins the sets of two nodes; returns the root of the joined set. */
  join(a: number, b: number): number;
  /** The root of a node's set: its oldest node, so sets do not depend on the order keys come in. */
  root(node: number): number;
}

/** Empty link sets. */
export function createLinkSets(): LinkSets {
  const nodes = new Map<string, number>();
  let parent = new Int32Array(1024);
  let count = 0;
  const root = (x: number): number => {
    let r = x;
    while (parent[r] !== r) r = parent[r]!;
    // Path compression: later finds of these nodes take one step.
    while (parent[x] !== r) {
      const next = parent[x]!;
      parent[x] = r;
      x = next;
    }
    return r;
  };
  return {
    node(key) {
      let n = nodes.get(key);
      if (n === undefined) {
        n = count++;
        if (n === parent.length) {
          const grown = new Int32Array(parent.length * 2);
          grown.set(parent);
          parent = grown;
        }
        parent[n] = n;
        nodes.set(key, n);
      }
      return n;
    },
    nodeOf: (key) => nodes.get(key),
    join(a, b) {
      const ra = root(a);
      const rb = root(b);
      if (ra === rb) return ra;
      if (rb < ra) {
        parent[ra] = rb;
        return rb;
      }
      parent[rb] = ra;
      return ra;
    },
    root,
  };
}

/**
 * Splits events into at most `parts` groups that fold independently: events of one tenant tied by a chain
 * of {@link foldLinkKeys} stay in one group. Groups are balanced by event count (the largest connected sets
 * first, each into the group with the fewest events); within a group events keep their order. Empty groups
 * are left out.
 */
export function partitionEvents(events: readonly CatalogEvent[], parts: number): CatalogEvent[][] {
  if (!Number.isInteger(parts) || parts < 1) throw new RangeError(`parts must be a positive integer, got ${parts}`);
  // Keys are per tenant: the tenant id prefixes every key.
  const sets = createLinkSets();
  const nodeOfEvent = new Int32Array(events.length);
  events.forEach((event, i) => {
    let node = -1;
    for (const key of foldLinkKeys(event)) {
      const n = sets.node(`${event.tenantId}\u0000${key}`);
      node = node < 0 ? n : sets.join(node, n);
    }
    nodeOfEvent[i] = node;
  });
  // Events per connected set, then the sets in descending size (ties: first seen), each to the lightest group.
  const sizes = new Map<number, number>();
  const roots = new Int32Array(events.length);
  for (let i = 0; i < events.length; i++) {
    const r = (roots[i] = sets.root(nodeOfEvent[i]!));
    sizes.set(r, (sizes.get(r) ?? 0) + 1);
  }
  const bySize = [...sizes].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  const load = new Array<number>(parts).fill(0);
  const groupOf = new Map<number, number>();
  for (const [root, size] of bySize) {
    let g = 0;
    for (let j = 1; j < parts; j++) if (load[j]! < load[g]!) g = j;
    groupOf.set(root, g);
    load[g]! += size;
  }
  const groups: CatalogEvent[][] = Array.from({ length: parts }, () => []);
  for (let i = 0; i < events.length; i++) groups[groupOf.get(roots[i]!)!]!.push(events[i]!);
  return groups.filter((g) => g.length > 0);
}
