/**
 * The codec between the engine and its store that seals personal fields (docs/privacy.md). An event is
 * stored in its erased form (identity values as keyed hashes, personal texts and record values as
 * `ERASED_VALUE`) plus `$sealed`: the original values, encrypted (AES-256-GCM) with the key of the event's
 * owner (its customer). Opening puts the originals back while the key exists; once it is deleted the event
 * reads as its erased form, which is exactly what it was stored as, so every reader agrees on it.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import type { KeyStore } from '@omnitrail/eventstore';
import { ERASED_IDENTITY_PREFIX, ERASED_VALUE, identityRank, normalizeIdentityValue, PERSONAL_FIELDS, type CatalogEvent } from '@omnitrail/events';

/**
 * The tenant id under which the engine keeps its snapshot keys in the key store (../sealed-snapshot). No
 * event of an engine with keys may have it (the codec refuses to seal one, `record` and `erase` reject it),
 * so a snapshot key never shares an id with a customer's key, and deleting every snapshot key deletes no
 * customer's.
 */
export const SNAPSHOT_KEY_TENANT = '$snapshots';

/** The property of a stored event that holds its sealed personal values. */
export const SEALED_PROPERTY = '$sealed';

/** What `$sealed` holds: whose key seals the values, and the values (base64 of IV, tag and ciphertext). */
interface Sealed {
  owner: string;
  blob: string;
}

/** A path inside an event and the value found there, as sealed. */
type Original = [path: (string | number)[], value: unknown];

/** Seals and opens the personal fields of events, with the keys of a key store. */
export interface PersonalDataCodec {
  /** Loads the tenant secrets and owner keys (creating missing ones) that `seal` needs for these events. */
  prepare(events: readonly CatalogEvent[]): Promise<void>;
  /** Loads a tenant's secret, which `erasedForm` and `keyOwner` need. */
  loadTenant(tenantId: string): Promise<void>;
  /** The stored form of a prepared event: its erased form, with `$sealed` when it had personal values. */
  seal(event: CatalogEvent): Record<string, unknown>;
  /**
   * A stored event as it reads now: its original values while its owner's key exists, else its erased form.
   * Synchronous when the key is cached (a promise per event is a measurable share of a catch-up).
   */
  open(stored: unknown): unknown;
  /** The erased form of an event (of a tenant loaded), and its personal values; `originals` is empty when it has none. */
  erasedForm(event: CatalogEvent): { event: CatalogEvent; originals: Original[] };
  /** Whose key seals an event (of a tenant loaded): its customer id, else its strongest identity's hash, else its case or its own id. */
  keyOwner(event: CatalogEvent): string;
  /** Drops a deleted key from the codec's cache. */
  forget(tenantId: string, owner: string): void;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Creates a codec over a key store; keys are cached in memory until `forget`. */
export function createPersonalDataCodec(keys: KeyStore): PersonalDataCodec {
  const secrets = new Map<string, Uint8Array>();
  // The erased form of the events `prepare` saw, for `seal` and the stream name right after (computed once).
  const forms = new WeakMap<CatalogEvent, { event: CatalogEvent; originals: Original[]; owner: string | undefined }>();
  // IVs drawn from the system's generator in blocks: one call per 1,024 events instead of one per event.
  let ivPool = Buffer.alloc(0);
  let ivAt = 0;
  const nextIv = () => {
    if (ivAt + IV_BYTES > ivPool.length) {
      ivPool = randomBytes(IV_BYTES * 1024);
      ivAt = 0;
    }
    const iv = ivPool.subarray(ivAt, ivAt + IV_BYTES);
    ivAt += IV_BYTES;
    return iv;
  };
  const ownerKeys = new Map<string, Map<string, Uint8Array>>();
  // HMACs of identity values, by tenant: a customer's identities come back in most of its events.
  const tokens = new Map<string, Map<string, string>>();

  const secretOf = (tenantId: string) => {
    const secret = secrets.get(tenantId);
    if (secret === undefined) throw new Error(`personal data codec: tenant "${tenantId}" not loaded`);
    return secret;
  };

  /** The erased form of an identity value: the keyed hash of its normalised value (a blocked placeholder is kept). */
  function tokenOf(tenantId: string, type: string, value: string): string {
    if (value.startsWith(ERASED_IDENTITY_PREFIX)) return value;
    const normal = normalizeIdentityValue(type.trim(), value);
    if (normal === undefined) return value;
    let byTenant = tokens.get(tenantId);
    if (!byTenant) tokens.set(tenantId, (byTenant = new Map()));
    const memo = `${type.trim()}\u0000${normal}`;
    let token = byTenant.get(memo);
    if (token === undefined) {
      if (byTenant.size >= 100_000) byTenant.clear();
      token = ERASED_IDENTITY_PREFIX + createHmac('sha256', secretOf(tenantId)).update(memo).digest('hex').slice(0, 32);
      byTenant.set(memo, token);
    }
    return token;
  }

  function erasedForm(event: CatalogEvent): { event: CatalogEvent; originals: Original[] } {
    const originals: Original[] = [];
    const tenantId = event.tenantId;
    const identitiesAt = (list: readonly { type: string; value: string }[], path: (string | number)[]) =>
      list.map((identity, k) => {
        const token = tokenOf(tenantId, identity.type, identity.value);
        if (token === identity.value) return identity;
        originals.push([[...path, k, 'value'], identity.value]);
        return { ...identity, value: token };
      });
    let out: CatalogEvent = event;
    if (event.identities !== undefined && event.identities.length > 0) {
      out = { ...out, identities: identitiesAt(event.identities, ['identities']) } as CatalogEvent;
    }
    const fields = PERSONAL_FIELDS[event.type as keyof typeof PERSONAL_FIELDS];
    if (fields !== undefined) {
      const data = { ...(event.data as Record<string, unknown>) };
      for (const { field, kind } of fields) {
        const value = data[field];
        if (value === undefined || value === null) continue;
        if (kind === 'text') {
          if (typeof value !== 'string' || value === '' || value === ERASED_VALUE) continue;
          originals.push([['data', field], value]);
          data[field] = ERASED_VALUE;
        } else if (kind === 'record') {
          const record = value as Record<string, unknown>;
          const erased: Record<string, unknown> = {};
          let changed = false;
          for (const key of Object.keys(record)) {
            erased[key] = ERASED_VALUE;
            if (record[key] !== ERASED_VALUE) changed = true;
          }
          if (!changed) continue;
          originals.push([['data', field], record]);
          data[field] = erased;
        } else if (kind === 'identity') {
          const identity = value as { type: string; value: string };
          const token = tokenOf(tenantId, identity.type, identity.value);
          if (token === identity.value) continue;
          originals.push([['data', field, 'value'], identity.value]);
          data[field] = { ...identity, value: token };
        } else {
          data[field] = identitiesAt(value as { type: string; value: string }[], ['data', field]);
        }
      }
      if (originals.length > 0) out = { ...out, data } as CatalogEvent;
    }
    return { event: originals.length === 0 ? event : out, originals };
  }

  function keyOwner(event: CatalogEvent): string {
    if (event.customerId !== undefined) return event.customerId;
    let best: { rank: number; key: string } | undefined;
    for (const identity of event.identities ?? []) {
      const token = tokenOf(event.tenantId, identity.type, identity.value);
      if (!token.startsWith(ERASED_IDENTITY_PREFIX)) continue;
      const rank = identityRank(identity.type.trim());
      if (!best || rank < best.rank) best = { rank, key: `id:${identity.type.trim()}:${token}` };
    }
    if (best !== undefined) return best.key;
    return event.caseId !== undefined ? `case:${event.caseId}` : `event:${event.id}`;
  }

  async function loadTenant(tenantId: string): Promise<void> {
    if (!secrets.has(tenantId)) secrets.set(tenantId, await keys.tenantSecret(tenantId));
  }

  async function keyOf(tenantId: string, owner: string, create: boolean): Promise<Uint8Array | undefined> {
    const cached = ownerKeys.get(tenantId)?.get(owner);
    if (cached !== undefined) return cached;
    // A missing key is not cached: a customer erased and back later gets a new key for its new events.
    const key = await keys.customerKey(tenantId, owner, { create });
    if (key === undefined) return undefined;
    // Looked up after the wait: other owners' keys of the tenant may have arrived meanwhile.
    let byTenant = ownerKeys.get(tenantId);
    if (!byTenant) ownerKeys.set(tenantId, (byTenant = new Map()));
    byTenant.set(owner, key);
    return key;
  }


  /** The originals put back into a copy of the erased form: only the objects along their paths are copied. */
  function openWith(key: Uint8Array, erased: Record<string, unknown>, tenantId: string, eventId: string, owner: string, blob: string): unknown {
    const bytes = Buffer.from(blob, 'base64');
    let originals: Original[];
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
      decipher.setAAD(aad(tenantId, eventId, owner));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      originals = JSON.parse(Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8')) as Original[];
    } catch {
      // Sealed with an earlier key of the same owner (erased, then back): those values are gone.
      return erased;
    }
    const opened: Record<string | number, unknown> = erased;
    for (const [path, value] of originals) {
      let at: Record<string | number, unknown> = opened;
      for (let i = 0; i < path.length - 1; i++) {
        // Copied on the way down: the stored object may be shared (an in-memory store hands out its own).
        const next = at[path[i]!] as Record<string | number, unknown>;
        const copy = (Array.isArray(next) ? [...next] : { ...next }) as Record<string | number, unknown>;
        at[path[i]!] = copy;
        at = copy;
      }
      at[path.at(-1)!] = value;
    }
    return opened;
  }

  const aad = (tenantId: string, eventId: string, owner: string) => Buffer.from(`${tenantId}\u0000${eventId}\u0000${owner}`);

  return {
    async prepare(events) {
      const missing = new Map<string, [tenantId: string, owner: string]>();
      for (const event of events) {
        if (event.tenantId === SNAPSHOT_KEY_TENANT) throw new Error(`tenantId: "${SNAPSHOT_KEY_TENANT}" is reserved for the engine's snapshot keys in the key store; use another tenant id`);
        if (!secrets.has(event.tenantId)) await loadTenant(event.tenantId);
        const form = erasedForm(event);
        const owner = form.originals.length > 0 ? keyOwner(event) : undefined;
        forms.set(event, { ...form, owner });
        if (owner !== undefined && ownerKeys.get(event.tenantId)?.get(owner) === undefined) missing.set(`${event.tenantId}\u0000${owner}`, [event.tenantId, owner]);
      }
      // New owners' keys asked for together, so a key store that groups its writes makes them durable at once.
      await Promise.all([...missing.values()].map(([tenantId, owner]) => keyOf(tenantId, owner, true)));
    },
    loadTenant,
    seal(event) {
      const prepared = forms.get(event);
      const { event: erased, originals } = prepared ?? erasedForm(event);
      if (originals.length === 0) return event as unknown as Record<string, unknown>;
      const owner = prepared?.owner ?? keyOwner(event);
      const key = ownerKeys.get(event.tenantId)?.get(owner);
      if (key === undefined) throw new Error(`personal data codec: no key prepared for "${owner}" of tenant "${event.tenantId}"`);
      const iv = nextIv();
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(aad(event.tenantId, event.id, owner));
      const sealedText = Buffer.concat([cipher.update(JSON.stringify(originals), 'utf8'), cipher.final()]);
      const sealed: Sealed = { owner, blob: Buffer.concat([iv, cipher.getAuthTag(), sealedText]).toString('base64') };
      return { ...(erased as unknown as Record<string, unknown>), [SEALED_PROPERTY]: sealed };
    },
    open(stored) {
      if (stored === null || typeof stored !== 'object' || !Object.hasOwn(stored, SEALED_PROPERTY)) return stored;
      const { [SEALED_PROPERTY]: sealed, ...erased } = stored as Record<string, unknown>;
      const tenantId = (stored as { tenantId?: unknown }).tenantId;
      const eventId = (stored as { id?: unknown }).id;
      const { owner, blob } = (sealed ?? {}) as Partial<Sealed>;
      if (typeof tenantId !== 'string' || tenantId === '' || typeof eventId !== 'string' || typeof owner !== 'string' || owner === '' || typeof blob !== 'string') return erased;
      const cached = ownerKeys.get(tenantId)?.get(owner);
      if (cached !== undefined) return openWith(cached, erased, tenantId, eventId, owner, blob);
      return keyOf(tenantId, owner, false).then((key) => (key === undefined ? erased : openWith(key, erased, tenantId, eventId, owner, blob)));
    },

    erasedForm(event) {
      const prepared = forms.get(event);
      return prepared === undefined ? erasedForm(event) : { event: prepared.event, originals: prepared.originals };
    },
    keyOwner,
    forget(tenantId, owner) {
      ownerKeys.get(tenantId)?.delete(owner);
    },
  };
}
