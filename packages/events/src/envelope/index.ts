import { z } from 'zod';
import type { Channel } from '../channels/index.js';
import { channelSchema, identitySchema, instantSchema, refSchema } from '../catalog/index.js';
import type { Identity } from '../identity/index.js';

/** Who caused a touchpoint. */
export const ACTOR_KINDS = ['customer', 'agent', 'bot', 'automation', 'system'] as const;
/** An actor kind. */
export type ActorKind = (typeof ACTOR_KINDS)[number];

/** The actor of an event; `kind` defaults to `system`. */
export interface Actor {
  kind: ActorKind;
  id?: string;
}

/** The producing system's own reference. */
export interface EventSource {
  system: string;
  externalId: string;
}

/** Envelope fields shared by every event, after parsing (defaults applied, instants normalised). */
export interface EventEnvelope {
  /** Unique across tenants: 1-128 chars of `[A-Za-z0-9_.:-]`. */
  id: string;
  /** The current schema version of the type (older versions are upcast on read). */
  schemaVersion: number;
  tenantId: string;
  /** Normalised to `YYYY-MM-DDTHH:mm:ss.sssZ`. */
  occurredAt: string;
  customerId?: string;
  identities?: Identity[];
  channel?: Channel;
  caseId?: string;
  actor: Actor;
  correlationId?: string;
  causationId?: string;
  source?: EventSource;
}

/** An event of type `T` whose data is `D`. */
export type EventFor<T extends string, D> = EventEnvelope & { type: T; data: D };

/**
 * The envelope of an event as a producer gives it, before parsing: `id` and `schemaVersion` may be left out
 * (the engine makes an id; version 1), `actor` too (`{ kind: 'system' }`), and instants may carry any offset.
 */
export interface EventEnvelopeInput {
  id?: string;
  schemaVersion?: number;
  tenantId: string;
  occurredAt: string;
  customerId?: string;
  identities?: Identity[];
  channel?: Channel;
  caseId?: string;
  actor?: { kind?: ActorKind; id?: string };
  correlationId?: string;
  causationId?: string;
  source?: EventSource;
}

/** An event of type `T` with data `D`, as a producer gives it (see {@link EventEnvelopeInput}). */
export type EventInputFor<T extends string, D> = EventEnvelopeInput & { type: T; data: D };

/** What an event id may be: 1 to 128 letters, digits, `_`, `.`, `:` or `-`. */
export const EVENT_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

/** The envelope schema; `data` is checked afterwards by the type's own schema. */
export const envelopeSchema = z.object({
  id: z
    .string()
    .regex(EVENT_ID_PATTERN, { error: 'must be 1-128 characters of A-Z a-z 0-9 _ . : -' }),
  type: refSchema,
  schemaVersion: z.int({ error: 'must be an integer ≥ 1' }).min(1, { error: 'must be an integer ≥ 1' }).default(1),
  tenantId: refSchema,
  occurredAt: instantSchema,
  customerId: refSchema.optional(),
  identities: z.array(identitySchema).optional(),
  channel: channelSchema.optional(),
  caseId: refSchema.optional(),
  actor: z
    .object({ kind: z.enum(ACTOR_KINDS), id: z.string().optional() })
    .default({ kind: 'system' }),
  correlationId: refSchema.optional(),
  causationId: refSchema.optional(),
  source: z.object({ system: refSchema, externalId: refSchema }).optional(),
  // Only the shape is checked here: the type's own schema validates the content (a record schema would copy it).
  data: z.custom<Record<string, unknown>>((v) => v !== null && typeof v === 'object' && !Array.isArray(v), {
    error: 'is required and must be an object (use {} when empty)',
  }),
});
