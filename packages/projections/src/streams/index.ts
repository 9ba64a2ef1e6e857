import { Observable, Subject } from 'rxjs';

/**
 * Per-key state streams that behave like a BehaviorSubject created lazily on first subscription: a new
 * subscriber gets the current state at once, then every change of that key. Keys without subscribers
 * cost nothing, and a key's listener set is dropped when its last subscriber leaves.
 */
export interface KeyedStreams<S> {
  /** The stream of one key; `current` reads the state at subscription time. */
  stateOf(key: string, current: () => S): Observable<S>;
  /** Pushes a key's new state to its subscribers (a no-op without subscribers). */
  publish(key: string, state: S): void;
  /** Keys that currently have subscribers. */
  watchedKeys(): IterableIterator<string>;
}

/** Creates the per-key stream registry. */
export function createKeyedStreams<S>(): KeyedStreams<S> {
  const listeners = new Map<string, Set<(state: S) => void>>();
  return {
    stateOf(key, current) {
      return new Observable<S>((subscriber) => {
        const listener = (state: S): void => subscriber.next(state);
        let set = listeners.get(key);
        if (!set) listeners.set(key, (set = new Set()));
        set.add(listener);
        subscriber.next(current());
        return () => {
          set.delete(listener);
          if (set.size === 0 && listeners.get(key) === set) listeners.delete(key);
        };
      });
    },
    publish(key, state) {
      const set = listeners.get(key);
      if (!set) return;
      // Copy first: a listener may unsubscribe (or subscribe another) while we iterate.
      for (const listener of [...set]) listener(state);
    },
    watchedKeys: () => listeners.keys(),
  };
}

/** A hot stream of values with no replay, exposed read-only. */
export function createChangeStream<T>(): { emit(value: T): void; observable: Observable<T>; observed(): boolean } {
  const subject = new Subject<T>();
  return { emit: (v) => subject.next(v), observable: subject.asObservable(), observed: () => subject.observed };
}
