/**
 * `@omnitrail/projections`: the projection runtime. Partitions, order-independent folds with late-event
 * re-folds from snapshots, as-of queries, snapshots for restart, store subscriptions with checkpoints,
 * rebuild-and-swap, and rxjs streams for host apps.
 */
export * from './definition/index.js';
export * from './order/index.js';
export * from './fold/index.js';
export {
  createCounters,
  createPartition,
  insertEvent,
  rewritePartition,
  partitionStateAt,
  type Partition,
  type PartitionFold,
  type PartitionRewrite,
  type ProjectionCounters,
  type InsertOutcome,
} from './partition/index.js';
export * from './snapshot/index.js';
export * from './errors/index.js';
export * from './runtime/index.js';
export * from './connect/index.js';
export * from './host/index.js';
