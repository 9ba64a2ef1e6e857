// Checkpoints: one `omnitrail-checkpoint-<subscriberId>` stream per subscriber in the same database, written
// with optimistic concurrency on that stream.
import { jsonEvent } from '@eventstore/db-client';
import type { CheckpointStore, CheckpointStoreResult } from '@omnitrail/eventstore';
import { decideCheckpoint, validateCheckpointArgs } from '@omnitrail/eventstore/adapter';
import type { StoreContext } from '../context/index.js';
import { clientErrorType } from '../errors/index.js';
import type { RawReads } from '../reads/index.js';

/** Event type of the events that record checkpoints. */
export const CHECKPOINT_EVENT_TYPE = 'OmnitrailCheckpointStored';

/** The checkpoint store of the store of `ctx`. */
export function createCheckpoints(ctx: StoreContext, raw: RawReads): CheckpointStore {
  const { client, checkpointStream, assertOpen, fail } = ctx;
  const { lastOfStream } = raw;

  const readCheckpoint = async (subscriberId: string): Promise<{ position: bigint | undefined; revision: bigint | undefined }> => {
    const last = await lastOfStream(checkpointStream(subscriberId));
    if (last?.event === undefined) return { position: undefined, revision: undefined };
    const data = last.event.data as { position?: unknown } | undefined;
    const position = typeof data?.position === 'string' ? BigInt(data.position) : undefined;
    return { position, revision: last.event.revision };
  };

  const checkpoints: CheckpointStore = {
    async load(subscriberId) {
      assertOpen();
      validateCheckpointArgs(subscriberId, 0n);
      try {
        return (await readCheckpoint(subscriberId)).position;
      } catch (error) {
        return fail(`checkpoints.load('${subscriberId}')`, error);
      }
    },
    async store(subscriberId, position, storeOptions): Promise<CheckpointStoreResult> {
      assertOpen();
      validateCheckpointArgs(subscriberId, position);
      const operation = `checkpoints.store('${subscriberId}')`;
      // Optimistic concurrency on the checkpoint stream: decide on what was read, append expecting the
      // revision that was read; if another writer got there first, read again and decide again.
      for (;;) {
        let current: { position: bigint | undefined; revision: bigint | undefined };
        try {
          current = await readCheckpoint(subscriberId);
        } catch (error) {
          return fail(operation, error);
        }
        const decision = decideCheckpoint(current.position, position, storeOptions);
        if (decision !== 'stored') return decision;
        try {
          await client.appendToStream(checkpointStream(subscriberId), jsonEvent({ type: CHECKPOINT_EVENT_TYPE, data: { position: position.toString() } }), {
            expectedRevision: current.revision ?? 'no_stream',
          });
          return 'stored';
        } catch (error) {
          if (clientErrorType(error) !== 'wrong-expected-version') return fail(operation, error);
          assertOpen();
        }
      }
    },
  };

  return checkpoints;
}
