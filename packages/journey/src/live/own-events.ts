/**
 * The ids of the events this engine appended that the store subscription has not handed back yet, in
 * append order. The store hands them back in position order, which is append order, so the id expected
 * is nearly always the first one: a string comparison per event instead of a hash-set insert and delete
 * (which, on a long-lived set with that much churn, cost about as much as folding a simple event).
 * Anything else (another writer's event, appends retried or interleaved by concurrent `record` calls)
 * falls back to a scan of the pending ids, which are at most the events of the appends in flight.
 */
export interface OwnEventQueue {
  /** Notes ids about to be appended, in the order of the appends. */
  expect(ids: Iterable<string>): void;
  /** Whether the subscription's event `id` is one of ours (and forgets it). */
  take(id: string): boolean;
  /** Forgets ids whose append failed: the store will never hand them back. */
  forget(ids: ReadonlySet<string>): void;
  readonly size: number;
  /** The ids still expected, in order (for an engine snapshot). */
  pending(): string[];
  clear(): void;
}

/** Creates an empty queue. */
export function createOwnEventQueue(): OwnEventQueue {
  let ids: string[] = [];
  let head = 0;
  const compact = () => {
    if (head === ids.length) {
      ids = [];
      head = 0;
    } else if (head >= 1024 && head * 2 >= ids.length) {
      ids = ids.slice(head);
      head = 0;
    }
  };
  return {
    expect(more) {
      for (const id of more) ids.push(id);
    },
    take(id) {
      if (head < ids.length && ids[head] === id) {
        head++;
        compact();
        return true;
      }
      for (let i = head + 1; i < ids.length; i++) {
        if (ids[i] === id) {
          ids.splice(i, 1);
          return true;
        }
      }
      return false;
    },
    forget(failed) {
      if (failed.size === 0) return;
      ids = ids.slice(head).filter((id) => !failed.has(id));
      head = 0;
    },
    get size() {
      return ids.length - head;
    },
    pending: () => ids.slice(head),
    clear() {
      ids = [];
      head = 0;
    },
  };
}
