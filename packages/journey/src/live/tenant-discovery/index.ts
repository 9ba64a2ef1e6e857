import type { EventStore, RecordedEvent } from '@omnitrail/eventstore';

/**
 * Tenant discovery for workers (docs/workers.md): which tenants a shared store holds, answered by the store's
 * stream-group index (`store.streamGroups`, an optional port capability) instead of a read of the whole log.
 * The journey names a customer's stream `journey-<tenant>-<customer>` with every `-` (and `%`) of the tenant
 * percent-escaped, so the groups of prefix `journey-` and separator `-` are the tenants. One group is
 * ambiguous: `journey-h-` holds tenant `h` and the hashed names of streams too long to spell out (any tenant),
 * so its events are read (once, then only the new ones at each listing) to learn their tenants.
 */

/** Tenants found in a store, and the store position the listing is complete up to (see `StreamGroupListing`). */
export interface TenantListing {
  readonly tenants: readonly string[];
  readonly position: bigint | undefined;
}

/** What the discovery needs from the engine. */
export interface TenantDiscoveryOptions {
  readonly store: EventStore;
  /** The journey's stream prefix (`journey-`). */
  readonly streamPrefix: string;
  /** The tenant of a stored event of the ambiguous group, `undefined` for an event that is not a valid journey event. */
  readonly tenantOf: (event: RecordedEvent) => Promise<string | undefined>;
}

/** Lists a store's tenants from its index (see {@link createTenantDiscovery}). */
export interface TenantDiscovery {
  /** Whether the store has the index: without it, a worker discovers tenants by reading the log. */
  readonly indexed: boolean;
  /** The tenants now; `undefined` when the store has no index. */
  list(): Promise<TenantListing | undefined>;
}

/** Undoes the escaping of a tenant in a stream name (`%2D` → `-`, `%25` → `%`). */
export function tenantOfStreamGroup(group: string, streamPrefix: string): string | undefined {
  if (!group.startsWith(streamPrefix) || !group.endsWith('-') || group.length <= streamPrefix.length + 1) return undefined;
  return group.slice(streamPrefix.length, -1).replaceAll('%2D', '-').replaceAll('%25', '%');
}

/** The tenant discovery of one worker over `store`. */
export function createTenantDiscovery(options: TenantDiscoveryOptions): TenantDiscovery {
  const { store, streamPrefix } = options;
  const index = typeof store.streamGroups?.list === 'function' ? store.streamGroups : undefined;
  const ambiguous = `${streamPrefix}h-`;
  // The tenants met in the ambiguous group so far, and how far it was read.
  const inAmbiguous = new Set<string>();
  let ambiguousRead: bigint | 'start' = 'start';

  async function readAmbiguous(upTo: bigint | undefined): Promise<void> {
    for await (const event of store.readAll({ fromPosition: ambiguousRead, filter: { streamNamePrefix: ambiguous } })) {
      if (upTo !== undefined && event.position > upTo) break;
      const tenantId = await options.tenantOf(event);
      if (tenantId !== undefined) inAmbiguous.add(tenantId);
      ambiguousRead = event.position;
    }
  }

  return {
    indexed: index !== undefined,
    async list() {
      if (index === undefined) return undefined;
      const listing = await index.list({ prefix: streamPrefix, separator: '-' });
      const tenants = new Set<string>();
      for (const group of listing.groups) {
        if (group === ambiguous) continue;
        const tenantId = tenantOfStreamGroup(group, streamPrefix);
        if (tenantId !== undefined) tenants.add(tenantId);
      }
      if (listing.groups.includes(ambiguous)) await readAmbiguous(listing.position);
      for (const tenantId of inAmbiguous) tenants.add(tenantId);
      return Object.freeze({ tenants: Object.freeze([...tenants].sort()), position: listing.position });
    },
  };
}
