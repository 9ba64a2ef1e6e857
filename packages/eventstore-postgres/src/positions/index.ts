/** Position and revision arguments of reads and subscriptions, checked as the other adapters check them. */
import { InvalidArgumentError } from '@omnitrail/eventstore';

/** `'start'`, `'end'` or a bigint ≥ 0 (the value, or `fallback` when undefined); `InvalidArgumentError` naming `name` otherwise. */
export function positionArgument(name: string, value: unknown, fallback: 'start' | 'end'): bigint | 'start' | 'end' {
  const v = value ?? fallback;
  if (v === 'start' || v === 'end') return v;
  if (typeof v === 'bigint' && v >= 0n) return v;
  throw new InvalidArgumentError(name, `expected 'start', 'end' or a bigint position >= 0n, got ${typeof v === 'bigint' ? `${v}n` : String(v)}`);
}
