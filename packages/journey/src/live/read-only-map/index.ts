/**
 * A read-only `Map` over a live map whose values are read through a function (docs/durable-engine.md,
 * "Settled records packed"): what a `TenantFold` exposes of the customer and case records, some of them
 * packed, so that every reader (the report's sections, `customer()`, `getCase`, the public helpers, hosts
 * through `fold()`) reads whole records. It follows the live map: a record folded since is read as it is now.
 */
export function readOnlyMapView<K, H, V>(held: Map<K, H>, read: (value: H) => V, what: string): Map<K, V> {
  return new ReadOnlyMapView(held, read, what);
}

// A subclass of Map so that `instanceof Map` and structural helpers keep working for hosts; it stores nothing
// itself, every method reads the live map (so `structuredClone` and `v8.serialize`, which read a Map's internal
// slots rather than its methods, see it empty: documented on `fold()`).
class ReadOnlyMapView<K, H, V> extends Map<K, V> {
  readonly #held: Map<K, H>;
  readonly #read: (value: H) => V;
  readonly #what: string;

  constructor(held: Map<K, H>, read: (value: H) => V, what: string) {
    super();
    this.#held = held;
    this.#read = read;
    this.#what = what;
  }

  override get size(): number {
    return this.#held.size;
  }

  override get(key: K): V | undefined {
    const r = this.#held.get(key);
    return r === undefined ? undefined : this.#read(r);
  }

  override has(key: K): boolean {
    return this.#held.has(key);
  }

  override keys(): MapIterator<K> {
    return this.#held.keys();
  }

  override *values(): MapIterator<V> {
    for (const r of this.#held.values()) yield this.#read(r);
  }

  override *entries(): MapIterator<[K, V]> {
    for (const [k, r] of this.#held) yield [k, this.#read(r)];
  }

  override [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  override forEach(fn: (value: V, key: K, map: Map<K, V>) => void, thisArg?: unknown): void {
    this.#held.forEach((r, k) => fn.call(thisArg, this.#read(r), k, this));
  }

  override set(): this {
    throw new Error(`${this.#what} are read-only: the engine changes them by folding events`);
  }

  override delete(): boolean {
    throw new Error(`${this.#what} are read-only: the engine changes them by folding events`);
  }

  override clear(): void {
    throw new Error(`${this.#what} are read-only: the engine changes them by folding events`);
  }
}
