/**
 * A value computed once per task for a key (docs/durable-engine.md, "Settled records packed"): a report reads
 * every packed customer and case several times (metrics, journeys, health, series, views) and unpacks each
 * once. What was computed is kept until the current task's synchronous work ends (a microtask forgets it),
 * so nothing stays in memory between tasks. Keyed by objects that never change (packed records), so an
 * entry is never stale.
 */
export function taskMemo<K extends object, V>(compute: (key: K) => V): (key: K) => V {
  let memo: Map<K, V> | undefined;
  const forget = () => {
    memo = undefined;
  };
  return (key) => {
    if (memo === undefined) {
      memo = new Map();
      queueMicrotask(forget);
    }
    let value = memo.get(key);
    if (value === undefined) memo.set(key, (value = compute(key)));
    return value;
  };
}
