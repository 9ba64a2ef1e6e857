import type { OrderedEvent } from '../definition/index.js';
import { ProjectionSnapshotError } from '../errors/index.js';

/** The format tag of a runtime snapshot. */
export const PROJECTION_SNAPSHOT_FORMAT = 'omnitrail.projection-snapshot/1';

/** One partition in a snapshot: its sorted distinct events and, optionally, its serialised state. */
export interface PartitionSnapshot<E extends OrderedEvent = OrderedEvent> {
  key: string;
  events: E[];
  /** `serializeState(state)` (or the state itself); absent means "re-fold the events on restore". */
  state?: unknown;
}

/**
 * Everything a runtime needs to resume without re-reading the store: per partition the sorted events and
 * state, and the store position they cover. JSON-friendly when the events and serialised states are
 * (`position` is a decimal string, as positions are in JSON).
 */
export interface ProjectionSnapshot<E extends OrderedEvent = OrderedEvent> {
  format: typeof PROJECTION_SNAPSHOT_FORMAT;
  projection: string;
  version: number;
  /** The last store position processed, `null` before any. */
  position: string | null;
  partitions: PartitionSnapshot<E>[];
}

/** Checks the shape of a snapshot read back from storage; throws `ProjectionSnapshotError` when it is not one. */
export function assertSnapshot(value: unknown, name: string, version: number): asserts value is ProjectionSnapshot {
  if (value === null || typeof value !== 'object') throw new ProjectionSnapshotError('it is not an object');
  const s = value as Partial<ProjectionSnapshot>;
  if (s.format !== PROJECTION_SNAPSHOT_FORMAT) throw new ProjectionSnapshotError(`its format is ${JSON.stringify(s.format)}, expected "${PROJECTION_SNAPSHOT_FORMAT}"`);
  if (s.projection !== name || s.version !== version) {
    throw new ProjectionSnapshotError(`it belongs to ${String(s.projection)}@v${String(s.version)}, not ${name}@v${version}`);
  }
  if (s.position !== null && (typeof s.position !== 'string' || !/^\d+$/.test(s.position))) {
    throw new ProjectionSnapshotError('its position is not a decimal string or null');
  }
  if (!Array.isArray(s.partitions)) throw new ProjectionSnapshotError('its partitions are not an array');
  for (const p of s.partitions) {
    if (p === null || typeof p !== 'object' || typeof p.key !== 'string' || !Array.isArray(p.events)) {
      throw new ProjectionSnapshotError('a partition lacks a string key or an events array');
    }
  }
}
