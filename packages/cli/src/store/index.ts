import { openFileEventStore } from '@omnitrail/eventstore';
import { UsageError } from '../args/index.js';

/** A store URI that cannot be used here; the CLI reports it as a usage error (exit code 2). */
export class StoreUnavailableError extends UsageError {
  constructor(message: string, command?: string) {
    super(message, command);
    this.name = 'StoreUnavailableError';
  }
}

/** A parsed `--store` URI. */
export type StoreUri = { kind: 'memory' } | { kind: 'file'; directory: string } | { kind: 'esdb'; uri: string };

/** Parses `memory:`, `file:<dir>` (also `file://<dir>`) and `esdb://…`. */
export function parseStoreUri(uri: string, command?: string): StoreUri {
  if (uri === 'memory:' || uri === 'memory') return { kind: 'memory' };
  if (uri.startsWith('file:')) {
    const directory = uri.startsWith('file://') ? uri.slice('file://'.length) : uri.slice('file:'.length);
    if (directory === '') throw new UsageError(`--store "${uri}": give a directory, like file:./events`, command);
    return { kind: 'file', directory };
  }
  if (uri.startsWith('esdb://') || uri.startsWith('esdb+discover://')) return { kind: 'esdb', uri };
  throw new UsageError(`--store "${uri}": unknown store; use memory:, file:<dir> or esdb://…`, command);
}

function esdbMissing(command?: string): never {
  throw new StoreUnavailableError('the EventStoreDB adapter is not installed', command);
}

/**
 * The event envelopes held in a store, in `$all` order: each stored event's `data` is the envelope JSON
 * (an object, or its JSON text).
 */
export async function* readStoreValues(uri: string, command = 'replay'): AsyncGenerator<unknown> {
  const parsed = parseStoreUri(uri, command);
  if (parsed.kind === 'memory') return;
  if (parsed.kind === 'esdb') esdbMissing(command);
  const store = await openFileEventStore({ directory: parsed.directory, readOnly: true });
  try {
    for await (const recorded of store.readAll()) {
      const data = recorded.data;
      if (typeof data === 'string') {
        try {
          yield JSON.parse(data);
        } catch {
          yield data;
        }
      } else {
        yield data;
      }
    }
  } finally {
    await store.close();
  }
}

/** The stream an imported event is appended to: one per customer and tenant. */
export function streamNameOf(event: { tenantId: string; customerId?: string; id: string }): string {
  return `customer-${event.tenantId}.${event.customerId ?? 'none'}`;
}

/** Appends events (envelopes as `data`) to a store, grouped by stream in batches. Returns the count. */
export async function writeStoreEvents(uri: string, events: Iterable<{ id: string; type: string; tenantId: string; customerId?: string }>, command = 'import'): Promise<number> {
  const parsed = parseStoreUri(uri, command);
  if (parsed.kind === 'esdb') esdbMissing(command);
  if (parsed.kind === 'memory') {
    let n = 0;
    for (const _ of events) n++;
    return n;
  }
  const store = await openFileEventStore({ directory: parsed.directory, fsync: 'batch' });
  let count = 0;
  try {
    const batches = new Map<string, { id: string; type: string; data: unknown }[]>();
    const flush = async (stream: string) => {
      const batch = batches.get(stream);
      if (!batch || batch.length === 0) return;
      batches.delete(stream);
      await store.appendToStream(stream, batch, { expectedRevision: 'any' });
    };
    for (const event of events) {
      const stream = streamNameOf(event);
      let batch = batches.get(stream);
      if (!batch) batches.set(stream, (batch = []));
      batch.push({ id: event.id, type: event.type, data: event });
      count++;
      if (batch.length >= 500) await flush(stream);
    }
    for (const stream of [...batches.keys()]) await flush(stream);
  } finally {
    await store.close();
  }
  return count;
}
