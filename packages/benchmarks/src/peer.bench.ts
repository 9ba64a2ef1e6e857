/**
 * Peer benchmark (benchmarks.md, "peer"): the same appends as the eventstore benchmark (the workload's
 * events, batches of 1 and of 100, each with its expected revision) followed by a fold of every stream,
 * on Omnitrail's in-memory store against Emmett's in-memory event store and Castore's in-memory adapter.
 * The figure is events/s over the whole (appends + folds). Castore appends one event per call (its API has
 * no multi-event append to one aggregate), so it takes part in the 1-event rows only.
 * OMNITRAIL_BENCH_PEER_EVENTS shrinks or grows the workload (default 100,000 events over 10,000 streams).
 */
import { EventStore as CastoreEventStore, EventType } from '@castore/core';
import { InMemoryEventStorageAdapter } from '@castore/event-storage-adapter-in-memory';
import { getInMemoryEventStore } from '@event-driven-io/emmett';
import { createInMemoryEventStore } from '@omnitrail/eventstore';
import { compareAlternating, perSecond, report } from './harness/index.js';
import { generateLines, parseOps, STREAMS, WORKLOAD_TYPES, type Op } from './store-workload/index.js';

const BENCH = 'peer';
const EVENTS = Number(process.env.OMNITRAIL_BENCH_PEER_EVENTS ?? 100_000);

/** What the fold keeps per stream: the same small summary in every store's terms. */
interface StreamSummary {
  events: number;
  messages: number;
  lastType: string;
}
const emptySummary = (): StreamSummary => ({ events: 0, messages: 0, lastType: '' });
function evolve(state: StreamSummary, type: string): StreamSummary {
  return { events: state.events + 1, messages: state.messages + (type === 'CustomerMessaged' || type === 'AgentReplied' ? 1 : 0), lastType: type };
}

/** Appends and folds one store does, in the benchmark's terms. */
interface PeerStore {
  /** Appends `events` to `stream`, whose length so far is `length` (the expected revision). */
  append(stream: string, ops: readonly Op[], length: number): Promise<void>;
  /** Folds one stream into its summary. */
  fold(stream: string): Promise<StreamSummary>;
}

function omnitrailStore(): PeerStore {
  const store = createInMemoryEventStore();
  return {
    async append(stream, ops, length) {
      await store.appendToStream(stream, ops.map((o) => o.event), { expectedRevision: length === 0 ? 'no_stream' : BigInt(length - 1) });
    },
    async fold(stream) {
      let state = emptySummary();
      for await (const e of store.readStream(stream)) state = evolve(state, e.type);
      return state;
    },
  };
}

function emmettStore(): PeerStore {
  const store = getInMemoryEventStore();
  return {
    async append(stream, ops, length) {
      // Emmett's stream versions count events (0n: no stream yet).
      await store.appendToStream(stream, ops.map((o) => ({ type: o.event.type, data: o.event.data as Record<string, unknown> })), { expectedStreamVersion: BigInt(length) });
    },
    async fold(stream) {
      const { state } = await store.aggregateStream<StreamSummary, { type: string; data: Record<string, unknown> }>(stream, {
        evolve: (s: StreamSummary, e: { type: string }) => evolve(s, e.type),
        initialState: emptySummary,
      });
      return state;
    },
  };
}

interface CastoreSummary extends StreamSummary {
  aggregateId: string;
  version: number;
}

function castoreStore(): PeerStore {
  const store = new CastoreEventStore({
    eventStoreId: 'customers',
    eventTypes: WORKLOAD_TYPES.map((type) => new EventType({ type })),
    reducer: (aggregate: CastoreSummary | undefined, event: { aggregateId: string; version: number; type: string }): CastoreSummary => ({
      ...evolve(aggregate ?? emptySummary(), event.type),
      aggregateId: event.aggregateId,
      version: event.version,
    }),
    eventStorageAdapter: new InMemoryEventStorageAdapter(),
  });
  return {
    async append(stream, ops, length) {
      // Castore's versions start at 1; pushing version n fails when the aggregate already has it.
      for (let i = 0; i < ops.length; i++) {
        const event = ops[i]!.event;
        const data = event.data as { occurredAt: string };
        await store.pushEvent({ aggregateId: stream, version: length + i + 1, type: event.type, payload: event.data, timestamp: data.occurredAt } as never);
      }
    },
    async fold(stream) {
      const { aggregate } = await store.getAggregate(stream);
      return aggregate ?? emptySummary();
    },
  };
}

/** Appends the workload in batches as the eventstore benchmark does, folds every stream, checks the folds. */
async function appendAndFold(store: PeerStore, ops: readonly Op[], batch: number): Promise<number> {
  const lengths = new Map<string, number>();
  const start = performance.now();
  for (let i = 0; i < ops.length; i += batch) {
    const stream = ops[i]!.stream;
    const events = ops.slice(i, i + batch);
    const length = lengths.get(stream) ?? 0;
    await store.append(stream, events, length);
    lengths.set(stream, length + events.length);
  }
  let folded = 0;
  for (const stream of lengths.keys()) folded += (await store.fold(stream)).events;
  const ms = performance.now() - start;
  // Every store must have kept and folded every event, or the figure means nothing.
  if (folded !== ops.length) throw new Error(`a store folded ${folded} of ${ops.length} events`);
  return perSecond(ops.length, ms);
}

/** Runs the peer comparison and reports one row per peer and batch size. */
export async function run(): Promise<void> {
  const workload = generateLines(EVENTS, 42, 'P');
  console.log(`  workload: ${EVENTS.toLocaleString('en-US')} events over ${STREAMS.toLocaleString('en-US')} streams`);
  const peers: { name: string; store: () => PeerStore; batches: number[] }[] = [
    { name: 'Emmett 0.42 in-memory event store', store: emmettStore, batches: [1, 100] },
    { name: 'Castore 2.4 in-memory adapter', store: castoreStore, batches: [1] },
  ];
  for (const peer of peers) {
    for (const batch of peer.batches) {
      const r = await compareAlternating(
        () => appendAndFold(omnitrailStore(), parseOps(workload), batch),
        () => appendAndFold(peer.store(), parseOps(workload), batch),
      );
      report({
        benchmark: BENCH,
        name: `appends in batches of ${batch}, then a fold of every stream: Omnitrail in-memory store`,
        value: r.subject,
        unit: 'events/s',
        reference: { name: peer.name, value: r.reference, ratio: r.ratio },
        samples: r.subjectSamples,
      });
    }
  }
}
