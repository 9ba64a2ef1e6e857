import { normalizeIdentityValue } from '@omnitrail/events';

/** Pure memo of `normalizeIdentityValue` (phone parsing is costly); bounded, shared by every state. */
const normalised = new Map<string, string | null>();

/** `normalizeIdentityValue` of `@omnitrail/events`, memoised (phone numbers are costly to parse). */
export function normaliseValue(type: string, value: string): string | undefined {
  const memoKey = `${type}\u0000${value}`;
  let v = normalised.get(memoKey);
  if (v === undefined) {
    if (normalised.size >= 200_000) normalised.clear();
    v = normalizeIdentityValue(type, value) ?? null;
    normalised.set(memoKey, v);
  }
  return v ?? undefined;
}
