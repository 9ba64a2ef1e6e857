/**
 * The EventStoreDB adapter's documents. EventStoreDB has no keyed values, and an append is capped (1 MiB by
 * default, `MaxAppendSize`), so a document is two kinds of stream:
 * - its head, `omnitrail-document-<key>`: one small JSON event per write or delete. The head's revision is
 *   the document's version (revision + 1), and a change appends with the expected revision that was read,
 *   so EventStoreDB's optimistic concurrency decides between concurrent writers: exactly one wins.
 * - for a value larger than {@link INLINE_LIMIT}, its bytes in a stream of binary chunk events of its own,
 *   `omnitrail-document~<key>~<write id>`, written before the head event that names it. A crash before the
 *   head event leaves an unreferenced chunk stream and the previous document in place: the write is atomic.
 *   The chunk stream of a replaced or deleted document is deleted (soft) after the change is committed.
 * Every head event carries the value's size and CRC-32, so a reader checks what it assembled. A reader that
 * finds its chunk stream gone (replaced meanwhile) reads the head again.
 */
import { randomUUID } from 'node:crypto';
import { binaryEvent, jsonEvent, type EventStoreDBClient, type ResolvedEvent } from '@eventstore/db-client';
import { CorruptDocumentError, DocumentVersionConflictError, type DocumentStore, type ExpectedDocumentVersion, type StoredDocument } from '@omnitrail/eventstore';
import { assertDocumentKey, assertDocumentValue, assertExpectedDocumentVersion, copyBytes, crc32, decideDocumentChange, type DocumentHead } from '@omnitrail/eventstore/adapter';

/** Port stream names starting with this are reserved for documents by the EventStoreDB adapter. */
export const DOCUMENT_STREAM_PREFIX = 'omnitrail-document';

/** Event type of a document's head event for a write. */
export const DOCUMENT_WRITTEN_EVENT_TYPE = 'OmnitrailDocumentWritten';
/** Event type of a document's head event for a delete. */
export const DOCUMENT_DELETED_EVENT_TYPE = 'OmnitrailDocumentDeleted';

/** Values up to this size (bytes; and up to the chunk size) travel inside the head event (base64), in one append. */
export const INLINE_LIMIT = 64 * 1024;

/** Bytes per chunk event: well under the server's default 1 MiB append limit, one chunk per append. */
export const DEFAULT_CHUNK_SIZE = 512 * 1024;

interface WrittenData {
  size: number;
  crc32: number;
  inline?: string;
  chunkStream?: string;
  chunks?: number;
}

interface Head {
  /** Revision of the head's last event (undefined: no head stream). */
  revision: bigint | undefined;
  written: WrittenData | undefined;
}

/** What the documents need from the adapter. */
export interface EventStoreDbDocumentContext {
  client: EventStoreDBClient;
  /** The EventStoreDB name of a port stream name (the store's prefix added). */
  physical(stream: string): string;
  /** The last event of an EventStoreDB stream, undefined when it has none. */
  lastOfStream(name: string): Promise<ResolvedEvent | undefined>;
  assertOpen(): void;
  /** Turns a client failure into the port's error (and rethrows port errors). */
  fail(operation: string, error: unknown): never;
  chunkSize: number;
}

function clientErrorType(error: unknown): string | undefined {
  const type = (error as { type?: unknown } | null)?.type;
  return typeof type === 'string' ? type : undefined;
}

/** The document store of an EventStoreDB adapter. */
export function createEventStoreDbDocuments(context: EventStoreDbDocumentContext): DocumentStore {
  const { client } = context;
  const headStream = (key: string) => context.physical(`${DOCUMENT_STREAM_PREFIX}-${key}`);

  const readHead = async (key: string): Promise<Head> => {
    const last = await context.lastOfStream(headStream(key));
    const event = last?.event;
    if (event === undefined) return { revision: undefined, written: undefined };
    return { revision: event.revision, written: event.type === DOCUMENT_WRITTEN_EVENT_TYPE ? (event.data as unknown as WrittenData) : undefined };
  };
  const headOf = (head: Head): DocumentHead => ({ version: head.revision === undefined ? undefined : head.revision + 1n, exists: head.written !== undefined });

  /** The value a head names: undefined when its chunk stream is gone or incomplete (replaced meanwhile). */
  const assemble = async (key: string, written: WrittenData): Promise<Uint8Array | undefined> => {
    if (written.inline !== undefined) return new Uint8Array(Buffer.from(written.inline, 'base64'));
    const parts: Uint8Array[] = [];
    try {
      for await (const resolved of client.readStream(written.chunkStream!, { direction: 'forwards', fromRevision: 'start' })) {
        const data = resolved.event?.data;
        if (!(data instanceof Uint8Array)) throw new CorruptDocumentError(key, `chunk ${parts.length} of ${written.chunkStream} is not binary`);
        parts.push(data);
      }
    } catch (error) {
      if (clientErrorType(error) === 'stream-not-found' || clientErrorType(error) === 'stream-deleted') return undefined;
      throw error;
    }
    if (parts.length > written.chunks!) throw new CorruptDocumentError(key, `${written.chunkStream} holds ${parts.length} chunks, the head says ${written.chunks}`);
    if (parts.length < written.chunks!) return undefined;
    const value = new Uint8Array(Buffer.concat(parts));
    if (value.length !== written.size) throw new CorruptDocumentError(key, `assembled ${value.length} bytes, the head says ${written.size}`);
    return value;
  };

  const removeChunks = async (written: WrittenData | undefined) => {
    if (written?.chunkStream === undefined) return;
    // Best effort: a chunk stream left behind (a crash right here) is unreferenced and invisible to the port.
    await client.deleteStream(written.chunkStream).catch(() => undefined);
  };

  /** Appends a head event expecting `head`; answers false when another writer moved the head first. */
  const commit = async (key: string, head: Head, type: string, data: WrittenData | Record<string, never>): Promise<boolean> => {
    try {
      await client.appendToStream(headStream(key), jsonEvent({ type, data: data as never }), { expectedRevision: head.revision ?? 'no_stream' });
      return true;
    } catch (error) {
      if (clientErrorType(error) === 'wrong-expected-version') return false;
      throw error;
    }
  };

  const conflict = async (key: string, expected: ExpectedDocumentVersion): Promise<never> => {
    const now = headOf(await readHead(key));
    throw new DocumentVersionConflictError(key, expected, now.exists ? now.version! : 'absent');
  };

  return {
    async read(key): Promise<StoredDocument | undefined> {
      context.assertOpen();
      assertDocumentKey(key);
      try {
        for (;;) {
          const head = await readHead(key);
          if (head.written === undefined) return undefined;
          const value = await assemble(key, head.written);
          if (value !== undefined) {
            if (crc32(value) !== head.written.crc32) throw new CorruptDocumentError(key, 'checksum mismatch');
            return { value, version: head.revision! + 1n };
          }
          // The chunks were removed: the document was replaced after we read its head. Read the new one.
          const again = await readHead(key);
          if (again.revision === head.revision) throw new CorruptDocumentError(key, `its chunk stream ${head.written.chunkStream} is missing or incomplete`);
        }
      } catch (error) {
        return context.fail(`documents.read('${key}')`, error);
      }
    },
    async write(key, value, options) {
      context.assertOpen();
      assertDocumentKey(key);
      assertDocumentValue(value);
      const expected = assertExpectedDocumentVersion(options);
      const bytes = copyBytes(value);
      const operation = `documents.write('${key}')`;
      try {
        const written: WrittenData = { size: bytes.length, crc32: crc32(bytes) };
        let chunksOf: WrittenData | undefined;
        for (;;) {
          const head = await readHead(key);
          decideDocumentChange(key, headOf(head), expected);
          // A value that fits in one chunk (and at most INLINE_LIMIT) travels in the head event itself.
          if (bytes.length <= Math.min(INLINE_LIMIT, context.chunkSize)) written.inline = Buffer.from(bytes).toString('base64');
          else if (chunksOf === undefined) {
            // The bytes first, in a stream of their own: nothing refers to them until the head event does.
            const chunkStream = context.physical(`${DOCUMENT_STREAM_PREFIX}~${key}~${randomUUID()}`);
            let chunks = 0;
            for (let offset = 0; offset < bytes.length; offset += context.chunkSize) {
              const chunk = bytes.subarray(offset, Math.min(bytes.length, offset + context.chunkSize));
              await client.appendToStream(chunkStream, binaryEvent({ type: 'OmnitrailDocumentChunk', data: chunk }), { expectedRevision: chunks === 0 ? 'no_stream' : BigInt(chunks - 1) });
              chunks++;
            }
            written.chunkStream = chunkStream;
            written.chunks = chunks;
            chunksOf = written;
          }
          if (await commit(key, head, DOCUMENT_WRITTEN_EVENT_TYPE, written)) {
            await removeChunks(head.written);
            return { version: (head.revision ?? -1n) + 2n };
          }
          // Another writer moved the head between our read and our append: with 'any' go again, else conflict.
          if (expected !== 'any') {
            await removeChunks(chunksOf);
            return await conflict(key, expected);
          }
        }
      } catch (error) {
        return context.fail(operation, error);
      }
    },
    async delete(key, options) {
      context.assertOpen();
      assertDocumentKey(key);
      const expected = assertExpectedDocumentVersion(options);
      try {
        for (;;) {
          const head = await readHead(key);
          const state = headOf(head);
          if (!state.exists) {
            if (expected !== 'any' && expected !== 'absent') decideDocumentChange(key, state, expected);
            return false;
          }
          decideDocumentChange(key, state, expected);
          if (await commit(key, head, DOCUMENT_DELETED_EVENT_TYPE, {})) {
            await removeChunks(head.written);
            return true;
          }
          if (expected !== 'any') return await conflict(key, expected);
        }
      } catch (error) {
        return context.fail(`documents.delete('${key}')`, error);
      }
    },
  };
}
