/**
 * Event ids and metadata between the port and EventStoreDB.
 *
 * EventStoreDB event ids are UUIDs; the port's ids are any string of 1..256 characters. The mapping:
 * - a UUID is used as it is (lowercased);
 * - a ULID is re-encoded as the UUID with the same 128 bits;
 * - any other string becomes a name-based UUID (SHA-256 of the id, version 8), so a retried append sends the
 *   same UUIDs and EventStoreDB's own idempotency applies.
 * Whenever the EventStoreDB id is not the port id itself, the port id is kept in the event's metadata under
 * the reserved key `$omnitrail` (see {@link encodeMetadata}), which makes the mapping reversible.
 */
import { createHash } from 'node:crypto';

/** Metadata key the adapter reserves for its envelope. */
export const ENVELOPE_KEY = '$omnitrail';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ULID_RE = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/i;
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function formatUuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The 128 bits of a ULID as a UUID string (the ULID's bits unchanged). */
export function ulidToUuid(ulid: string): string {
  let value = 0n;
  for (const c of ulid.toUpperCase()) value = value * 32n + BigInt(CROCKFORD.indexOf(c));
  return formatUuid(value.toString(16).padStart(32, '0'));
}

/** The UUID under which an event with port id `id` is stored in EventStoreDB (deterministic). */
export function toEventStoreDbId(id: string): string {
  if (UUID_RE.test(id)) return id.toLowerCase();
  if (ULID_RE.test(id)) return ulidToUuid(id);
  const hash = createHash('sha256').update(id, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x80; // version 8: custom (here: name-based on SHA-256)
  hash[8] = (hash[8]! & 0x3f) | 0x80; // RFC 4122 variant
  return formatUuid(hash.subarray(0, 16).toString('hex'));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/**
 * The metadata stored in EventStoreDB for a port event. A plain-object metadata stays a plain object (other
 * EventStoreDB tools see its keys, e.g. `$correlationId`), with `$omnitrail: { id }` added when the port id
 * had to be mapped. Any other metadata (an array, a string, null...) or one that already uses the
 * `$omnitrail` key is wrapped: `{ $omnitrail: { id?, wrapped: true, metadata? } }`. `undefined` means "store
 * no metadata".
 */
export function encodeMetadata(id: string, eventStoreDbId: string, metadata: unknown): unknown {
  const keepId = id !== eventStoreDbId;
  if (isPlainObject(metadata) && !Object.hasOwn(metadata, ENVELOPE_KEY)) {
    return keepId ? { ...metadata, [ENVELOPE_KEY]: { id } } : metadata;
  }
  if (metadata === undefined && !keepId) return undefined;
  const envelope: Record<string, unknown> = { wrapped: true };
  if (keepId) envelope['id'] = id;
  if (metadata !== undefined) envelope['metadata'] = metadata;
  return { [ENVELOPE_KEY]: envelope };
}

/** Reverses {@link encodeMetadata}: the port id and metadata of a stored event. */
export function decodeMetadata(eventStoreDbId: string, stored: unknown): { id: string; metadata: unknown } {
  if (!isPlainObject(stored) || !isPlainObject(stored[ENVELOPE_KEY])) return { id: eventStoreDbId, metadata: stored };
  const envelope = stored[ENVELOPE_KEY];
  const id = typeof envelope['id'] === 'string' ? envelope['id'] : eventStoreDbId;
  if (envelope['wrapped'] === true) return { id, metadata: envelope['metadata'] };
  const { [ENVELOPE_KEY]: _envelope, ...metadata } = stored;
  return { id, metadata };
}
