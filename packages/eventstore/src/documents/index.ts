/**
 * The document rules shared by every adapter (key and argument checks, the optimistic-concurrency decision),
 * and the in-memory document store.
 */
import { DocumentVersionConflictError, InvalidArgumentError } from '../errors/index.js';
import type { DocumentStore, ExpectedDocumentVersion, StoredDocument } from '../port/index.js';

/** What a key may be: safe as a file name, a PostgreSQL text key and part of an EventStoreDB stream name. */
const DOCUMENT_KEY = /^[A-Za-z0-9_:@-][A-Za-z0-9._:@-]{0,199}$/;

/** Throws `InvalidArgumentError` unless `key` is 1 to 200 characters of `A-Z a-z 0-9 . _ : @ -`, not starting with `.`. */
export function assertDocumentKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || !DOCUMENT_KEY.test(key)) {
    throw new InvalidArgumentError('key', `expected 1 to 200 characters of A-Z a-z 0-9 . _ : @ - not starting with '.', got ${JSON.stringify(String(key)).slice(0, 80)}`);
  }
}

/** Throws `InvalidArgumentError` unless `options.expectedVersion` is `'absent'`, `'any'` or a bigint ≥ 1. */
export function assertExpectedDocumentVersion(options: unknown): ExpectedDocumentVersion {
  const expected = (options as { expectedVersion?: unknown } | undefined)?.expectedVersion;
  if (expected === 'absent' || expected === 'any' || (typeof expected === 'bigint' && expected >= 1n)) return expected;
  throw new InvalidArgumentError('expectedVersion', `expected 'absent', 'any' or a version (a bigint >= 1n), got ${typeof expected === 'bigint' ? `${expected}n` : JSON.stringify(expected) ?? 'undefined'}`);
}

/** Throws `InvalidArgumentError` unless `value` is a `Uint8Array` (a Node.js `Buffer` is one). */
export function assertDocumentValue(value: unknown): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new InvalidArgumentError('value', `expected a Uint8Array of bytes, got ${value === null ? 'null' : typeof value}`);
}

/**
 * The document's state as the conflict rule sees it: its last version (of a write or a delete; `undefined`
 * when the key was never used) and whether a document exists.
 */
export interface DocumentHead {
  version: bigint | undefined;
  exists: boolean;
}

/**
 * Throws `DocumentVersionConflictError` unless a document at `head` meets `expected`, else answers the
 * version the change gets (one more than the last version of the key).
 */
export function decideDocumentChange(key: string, head: DocumentHead, expected: ExpectedDocumentVersion): bigint {
  const ok = expected === 'any' || (expected === 'absent' ? !head.exists : head.exists && head.version === expected);
  if (!ok) throw new DocumentVersionConflictError(key, expected, head.exists ? head.version! : 'absent');
  return (head.version ?? 0n) + 1n;
}

/** A copy of bytes (stores never share a buffer with their caller). */
export function copyBytes(value: Uint8Array): Uint8Array {
  return new Uint8Array(value);
}

/** The in-memory document store of the in-memory adapter; `assertOpen` throws once the store is closed. */
export function createMemoryDocumentStore(assertOpen: () => void): DocumentStore {
  // A deleted document keeps its entry (value undefined) so that its version goes on increasing.
  const documents = new Map<string, { value: Uint8Array | undefined; version: bigint }>();
  const headOf = (key: string): DocumentHead => {
    const entry = documents.get(key);
    return { version: entry?.version, exists: entry?.value !== undefined };
  };
  return {
    async read(key): Promise<StoredDocument | undefined> {
      assertOpen();
      assertDocumentKey(key);
      const entry = documents.get(key);
      return entry?.value === undefined ? undefined : { value: copyBytes(entry.value), version: entry.version };
    },
    async write(key, value, options) {
      assertOpen();
      assertDocumentKey(key);
      assertDocumentValue(value);
      const expected = assertExpectedDocumentVersion(options);
      const version = decideDocumentChange(key, headOf(key), expected);
      documents.set(key, { value: copyBytes(value), version });
      return { version };
    },
    async delete(key, options) {
      assertOpen();
      assertDocumentKey(key);
      const expected = assertExpectedDocumentVersion(options);
      const head = headOf(key);
      if (!head.exists && expected !== 'any' && expected !== 'absent') decideDocumentChange(key, head, expected);
      if (!head.exists) return false;
      const version = decideDocumentChange(key, head, expected);
      documents.set(key, { value: undefined, version });
      return true;
    },
  };
}
