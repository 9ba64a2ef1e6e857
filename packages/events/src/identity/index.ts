import { parsePhoneNumberFromString } from 'libphonenumber-js/min';

/** An identifier seen on a touchpoint. */
export interface Identity {
  type: string;
  value: string;
  verified?: boolean;
}

/** Well-known identity types, from strongest to weakest. Any other type is a channel handle. */
export const IDENTITY_PRIORITY = ['user_id', 'email', 'phone', 'handle', 'device_id', 'anonymous_id'] as const;

/**
 * Rank of an identity type: 0 is the strongest (`user_id`), then `email`, `phone`, channel handles (any other
 * type), `device_id`, `anonymous_id`.
 */
export function identityRank(type: string): number {
  switch (type) {
    case 'user_id':
      return 0;
    case 'email':
      return 1;
    case 'phone':
      return 2;
    case 'device_id':
      return 4;
    case 'anonymous_id':
      return 5;
    default:
      return 3;
  }
}

const BLOCKED = new Set(['null', 'undefined', 'nan', 'anonymous', 'guest', 'unknown', '[object object]', 'test@test.com', '-1']);

/** Whether a (trimmed) value is a placeholder that must never identify anyone. */
export function isBlockedIdentityValue(value: string): boolean {
  const v = value.trim().toLowerCase();
  if (v === '') return true;
  if (/^[0-]+$/.test(v)) return true; // "0", "000", "--", "0-0"...
  return BLOCKED.has(v);
}

/**
 * What an identity's value reads as once its customer is erased (or without the customer's key): this
 * prefix and a keyed hash of the normalised value (docs/privacy.md). Passed through normalisation as is.
 */
export const ERASED_IDENTITY_PREFIX = 'erased:';

/**
 * Normalises an identity value by type: email trimmed and lower-cased; phone in E.164 (formatting removed
 * when the number cannot be parsed); other types trimmed. Returns `undefined` for blocked values.
 */
export function normalizeIdentityValue(type: string, value: string): string | undefined {
  // The keyed hash an erased identity reads as is already normal (and a phone's would lose its letters).
  if (value.startsWith(ERASED_IDENTITY_PREFIX)) return value;
  if (isBlockedIdentityValue(value)) return undefined;
  const trimmed = value.trim();
  if (type === 'email') return trimmed.toLowerCase();
  if (type === 'phone') {
    const international = trimmed.startsWith('00') ? `+${trimmed.slice(2)}` : trimmed;
    const parsed = parsePhoneNumberFromString(international);
    if (parsed && parsed.isPossible()) return parsed.number;
    const digits = international.replace(/[^\d+]/g, '');
    const e164 = digits.startsWith('+') ? `+${digits.slice(1).replace(/\+/g, '')}` : digits;
    return isBlockedIdentityValue(e164.replace('+', '')) ? undefined : e164;
  }
  return trimmed;
}

/** A normalised identity, or `undefined` when its value is blocked. */
export function normalizeIdentity(identity: Identity): Identity | undefined {
  const value = normalizeIdentityValue(identity.type.trim(), identity.value);
  if (value === undefined) return undefined;
  const out: Identity = { type: identity.type.trim(), value };
  if (identity.verified !== undefined) out.verified = identity.verified;
  return out;
}

/** The key of an identity in an identity graph: `type:value`. */
export function identityKey(identity: Identity): string {
  return `${identity.type}:${identity.value}`;
}
