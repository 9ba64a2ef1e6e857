import { createIdTable, hashString } from '@omnitrail/eventstore/adapter';
import type { RejectedLine } from '@omnitrail/journey';
import type { LineRejection } from './parse.js';
import { StrictInputError } from './strict.js';

/** A new id: the event is accepted. */
export const ACCEPTED = 0;
/** An id seen before with deeply equal content: a duplicate, counted and dropped. */
export const DUPLICATE = 1;
/** An id seen before with other content: the later line is rejected. */
export const CONFLICT = 2;

/**
 * Which valid events a replay accepts (report.md, Defaults and counting): the first event of each id, in
 * input order; the same id again with deeply equal content (the same canonical hash) is a duplicate, with
 * different content a conflict.
 */
export interface Acceptance {
  /** Decides for the next valid event in input order, and records it when accepted. */
  check(id: string, contentHash: number): typeof ACCEPTED | typeof DUPLICATE | typeof CONFLICT;
  /** The accepted ids, in input order. */
  readonly ids: readonly string[];
}

/** An empty acceptance record. */
export function createAcceptance(): Acceptance {
  // Per accepted event (same index), its id and the canonical hash of its content: columns, so they stay
  // small when the events themselves are spilled.
  const ids: string[] = [];
  const contentHashes: number[] = [];
  // Accepted ids → event index + 1, in the store's compact id table: one slot read per lookup, no key
  // string compared unless the 32-bit hashes match (a Map of a million strings costs several cache misses).
  const accepted = createIdTable((i) => ids[i]!, 1 << 16);
  return {
    ids,
    check(id, contentHash) {
      const idHash = hashString(id);
      const seen = accepted.find(id, idHash);
      if (seen === undefined) {
        ids.push(id);
        contentHashes.push(contentHash);
        accepted.add(idHash, ids.length);
        return ACCEPTED;
      }
      return contentHashes[seen - 1] === contentHash ? DUPLICATE : CONFLICT;
    },
  };
}

/** The rejection of a line whose id an earlier event has with other content. */
export function conflictRejection(line: number, id: string): LineRejection {
  return { line, id, errors: [{ path: 'id', message: `conflicts with an earlier event with the same id and different content` }] };
}

/**
 * The report's `input.rejected` list as a replay collects it over its inputs: `forInput(name)` gives the
 * function that records a rejection of that input (naming the file when there are several), or throws a
 * {@link StrictInputError} in strict mode; `sorted()` is the list sorted by line, then file.
 */
export function createRejections(options: { strict?: boolean | undefined; several: boolean }): {
  forInput(name: string): (rejection: LineRejection) => void;
  sorted(): RejectedLine[];
} {
  const rejected: RejectedLine[] = [];
  return {
    forInput: (name) => (r) => {
      if (options.strict) throw new StrictInputError(name, r);
      rejected.push(options.several ? { file: name, line: r.line, id: r.id, errors: r.errors } : { line: r.line, id: r.id, errors: r.errors });
    },
    sorted: () => rejected.sort((a, b) => a.line - b.line || ((a.file ?? '') < (b.file ?? '') ? -1 : (a.file ?? '') > (b.file ?? '') ? 1 : 0)),
  };
}
