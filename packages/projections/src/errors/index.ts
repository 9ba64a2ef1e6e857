/** A snapshot that does not belong to this projection, or is not a snapshot at all. */
export class ProjectionSnapshotError extends Error {
  readonly code = 'PROJECTION_SNAPSHOT_INVALID';
  constructor(readonly reason: string) {
    super(`Cannot restore the projection snapshot: ${reason}. Restore a snapshot taken from the same projection name and version, or rebuild from the store.`);
    this.name = 'ProjectionSnapshotError';
  }
}

/** An operation that needs a running connection or an unfinished rebuild was called at the wrong time. */
export class ProjectionStateError extends Error {
  readonly code = 'PROJECTION_STATE';
  constructor(message: string) {
    super(message);
    this.name = 'ProjectionStateError';
  }
}
