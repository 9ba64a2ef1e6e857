import type { CheckpointStoreResult, EventFilter, EventStore, RecordedEvent } from '@omnitrail/eventstore';
import { BehaviorSubject, type Observable } from 'rxjs';
import { subscriberIdOf, type OrderedEvent } from '../definition/index.js';
import type { ProjectionRuntime } from '../runtime/index.js';

/** Where a connection is in its life. */
export type ConnectionStatus = 'catching-up' | 'live' | 'stopped' | 'failed';

export interface ConnectOptions<E> {
  /** The checkpoint subscriber id; default `name@vN` of the definition. */
  subscriberId?: string;
  /** Turns a recorded event into the projection's event, `undefined` to skip it. Default: see `decodeRecordedEvent`. */
  decode?: (recorded: RecordedEvent) => E | undefined;
  /** Only these events are read from the store. */
  filter?: EventFilter;
  /** Save the checkpoint every this many processed store events while catching up or live (default 1000), and on catching up and stopping. */
  checkpointEvery?: number;
  /** Set `false` to never write checkpoints (e.g. a throw-away replay). Default `true`. */
  saveCheckpoints?: boolean;
}

/** A runtime fed by a store subscription. */
export interface ProjectionConnection {
  readonly subscriberId: string;
  /** Resolves once history is exhausted and the runtime follows live appends; rejects if the subscription fails first. */
  readonly caughtUp: Promise<void>;
  /** Resolves when the connection stops, rejects with the store's error when it fails. */
  readonly done: Promise<void>;
  readonly status: ConnectionStatus;
  readonly status$: Observable<ConnectionStatus>;
  /** The checkpoint found in the store when the connection started. */
  readonly loadedCheckpoint: bigint | undefined;
  /** Checkpoint writes answered `mismatch` (another process moved the checkpoint). */
  readonly checkpointMismatches: number;
  /** Saves the runtime's position as the checkpoint now. */
  saveCheckpoint(): Promise<CheckpointStoreResult | undefined>;
  /** Stops reading, waits for the loop to end, and saves the checkpoint. */
  stop(): Promise<void>;
}

/**
 * The default decoding of a recorded event: its `data` when it is a whole event (has a string `id` and
 * `occurredAt`); otherwise an event built from the record (`id`, `type`) with the envelope in `metadata`
 * (which must carry `occurredAt`) and the payload as `data`; otherwise `undefined` (skipped).
 */
export function decodeRecordedEvent<E extends OrderedEvent>(recorded: RecordedEvent): E | undefined {
  const d = recorded.data as { id?: unknown; occurredAt?: unknown } | null;
  if (d !== null && typeof d === 'object' && typeof d.id === 'string' && typeof d.occurredAt === 'string') return d as unknown as E;
  const m = recorded.metadata as { occurredAt?: unknown } | null | undefined;
  if (m !== null && typeof m === 'object' && typeof m.occurredAt === 'string') {
    return { ...m, id: recorded.id, type: recorded.type, data: recorded.data } as unknown as E;
  }
  return undefined;
}

/**
 * Feeds a runtime from `store.subscribeToAll`, starting after the runtime's position (the start for an
 * empty runtime, the snapshot's position after `restore`): catch-up, then live. An in-memory state cannot
 * start at a checkpoint on its own, because the events before it are needed to fold; so the checkpoint is
 * written for progress and monitoring, and resuming is `restore(snapshot)` then connect.
 */
export function connectProjection<E extends OrderedEvent, S, Q>(
  runtime: ProjectionRuntime<E, S, Q>,
  store: EventStore,
  options: ConnectOptions<E> = {},
): ProjectionConnection {
  const subscriberId = options.subscriberId ?? subscriberIdOf(runtime.definition);
  const decode = options.decode ?? decodeRecordedEvent<E>;
  const checkpointEvery = options.checkpointEvery ?? 1000;
  const saving = options.saveCheckpoints ?? true;
  const status$ = new BehaviorSubject<ConnectionStatus>('catching-up');
  const subscription = store.subscribeToAll({ from: runtime.position ?? 'start', ...(options.filter ? { filter: options.filter } : {}) });
  let stored: bigint | undefined;
  let loaded: bigint | undefined;
  let mismatches = 0;
  let sinceSave = 0;
  let stopping = false;
  let resolveCaughtUp!: () => void;
  let rejectCaughtUp!: (e: unknown) => void;
  const caughtUp = new Promise<void>((res, rej) => {
    resolveCaughtUp = res;
    rejectCaughtUp = rej;
  });
  caughtUp.catch(() => undefined); // a failure is reported by `done`; do not make it unhandled twice

  const saveCheckpoint = async (): Promise<CheckpointStoreResult | undefined> => {
    const position = runtime.position;
    if (!saving || position === undefined || (stored !== undefined && position <= stored)) return undefined;
    let result = await store.checkpoints.store(subscriberId, position, { expected: stored });
    if (result === 'mismatch') {
      // Someone else moved it (a second instance): take their value as expected and try once more.
      mismatches++;
      stored = await store.checkpoints.load(subscriberId);
      result = await store.checkpoints.store(subscriberId, position, { expected: stored });
    }
    if (result === 'stored') stored = position;
    else if (result === 'ignored') stored = await store.checkpoints.load(subscriberId);
    sinceSave = 0;
    return result;
  };

  const loop = async (): Promise<void> => {
    loaded = await store.checkpoints.load(subscriberId);
    stored = loaded;
    for await (const item of subscription) {
      if (item.kind === 'caught-up') {
        await saveCheckpoint();
        status$.next('live');
        resolveCaughtUp();
        continue;
      }
      const event = decode(item.event);
      if (event === undefined) runtime.advance(item.event.position);
      else runtime.apply(event, item.event.position);
      if (++sinceSave >= checkpointEvery) await saveCheckpoint();
      if (stopping) break;
    }
  };

  const done = loop().then(
    async () => {
      await saveCheckpoint();
      status$.next('stopped');
      status$.complete();
      rejectCaughtUp(new Error(`projection ${subscriberId} stopped before catching up`));
    },
    (error: unknown) => {
      status$.next('failed');
      status$.complete();
      rejectCaughtUp(error);
      throw error;
    },
  );
  // The failure stays observable through `done`, `caughtUp` and `status`; do not crash a host that never awaits `done`.
  done.catch(() => undefined);

  return {
    subscriberId,
    caughtUp,
    done,
    get status() {
      return status$.getValue();
    },
    status$: status$.asObservable(),
    get loadedCheckpoint() {
      return loaded;
    },
    get checkpointMismatches() {
      return mismatches;
    },
    saveCheckpoint,
    async stop() {
      stopping = true;
      await subscription.unsubscribe();
      await done.catch(() => undefined);
    },
  };
}
