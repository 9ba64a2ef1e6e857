import type { z } from 'zod';
import { CASE_EVENT_TYPES, catalogDataSchemas, type CatalogDataSchemas, type CatalogEventType } from '../catalog/index.js';
import type { EventFor, EventInputFor } from '../envelope/index.js';

/** Turns the data of one schema version into the next version's data. */
export interface Upcaster {
  /** The version this upcaster reads; it produces `fromVersion + 1`. */
  fromVersion: number;
  upcast(data: Record<string, unknown>): Record<string, unknown>;
}

/** How one event type is validated: its name, its data schema, and its versions. */
export interface EventTypeDefinition<T extends string = string, S extends z.ZodType = z.ZodType> {
  type: T;
  data: S;
  /** The current schema version (default 1); older events are upcast on read. */
  version?: number;
  /** One upcaster per older version, from 1 to `version - 1`. */
  upcasters?: readonly Upcaster[];
  /** Whether the envelope must carry `caseId`. */
  requiresCase?: boolean;
  /** Whether the event concerns the tenant only and needs no customer. */
  tenantLevel?: boolean;
}

/**
 * Declares a host-specific event type. The returned definition keeps the literal type name and the schema,
 * so events of that type are typed from the schema.
 */
export function defineEventType<const T extends string, S extends z.ZodType>(
  definition: EventTypeDefinition<T, S>,
): EventTypeDefinition<T, S> {
  if (!/^[A-Za-z][A-Za-z0-9_.:-]*$/.test(definition.type)) {
    throw new TypeError(`defineEventType: type "${definition.type}" must start with a letter and use A-Z a-z 0-9 _ . : -`);
  }
  const version = definition.version ?? 1;
  if (!Number.isInteger(version) || version < 1) throw new TypeError(`defineEventType(${definition.type}): version must be an integer ≥ 1`);
  for (let v = 1; v < version; v++) {
    if (!definition.upcasters?.some((u) => u.fromVersion === v)) {
      throw new TypeError(`defineEventType(${definition.type}): an upcaster from version ${v} is missing (version is ${version})`);
    }
  }
  return definition;
}

/** The event type defined by a definition. */
export type EventOfDefinition<D> = D extends EventTypeDefinition<infer T, infer S> ? EventFor<T, z.output<S>> : never;

/** The input form of a definition's events, as a producer gives them (its schema's input: defaulted fields optional). */
export type EventInputOfDefinition<D> = D extends EventTypeDefinition<infer T, infer S> ? EventInputFor<T, z.input<S>> : never;

/** Every catalog event, typed from its zod schema. */
export type CatalogEvent = { [K in CatalogEventType]: EventFor<K, z.output<CatalogDataSchemas[K]>> }[CatalogEventType];

/**
 * Every catalog event as a producer gives it (the input `parseEvent` accepts, typed from the schemas): a
 * union discriminated by `type`, optional fields optional, `id`, `schemaVersion` and `actor` optional.
 */
export type CatalogEventInput = { [K in CatalogEventType]: EventInputFor<K, z.input<CatalogDataSchemas[K]>> }[CatalogEventType];

/** The input form of parsed events `E` (a catalog event or a host type of a registry). */
export type EventInputOf<E> = E extends EventFor<infer T, infer D> ? EventInputFor<T, D> : never;

/**
 * The input form of a union of parsed events: a catalog type's input as the catalog's schemas accept it, any
 * other type's (a host type) from its parsed form. A registry's default input type.
 */
export type InputOfEvents<E> = E extends { type: infer T }
  ? T extends CatalogEventType
    ? Extract<CatalogEventInput, { type: T }>
    : EventInputOf<E>
  : never;

/** The catalog event of one type. */
export type EventOf<K extends CatalogEventType> = Extract<CatalogEvent, { type: K }>;

/** The data of one catalog event type. */
export type EventData<K extends CatalogEventType> = EventOf<K>['data'];

/** `SurveyAnswered` version 1 named the score `rating`; version 2 calls it `score`. */
export const surveyAnsweredV1toV2: Upcaster = {
  fromVersion: 1,
  upcast(data) {
    if (data.rating === undefined || data.score !== undefined) return data;
    const { rating, ...rest } = data;
    return { ...rest, score: rating };
  },
};

const caseTypes: ReadonlySet<string> = new Set(CASE_EVENT_TYPES);

/** The catalog's definitions, as a registry consumes them. */
export const catalogDefinitions: readonly EventTypeDefinition[] = (Object.keys(catalogDataSchemas) as CatalogEventType[]).map(
  (type) =>
    type === 'SurveyAnswered'
      ? { type, data: catalogDataSchemas[type], version: 2, upcasters: [surveyAnsweredV1toV2] }
      : { type, data: catalogDataSchemas[type], requiresCase: caseTypes.has(type) },
);

/**
 * A set of known event types; `E` is the union of the events it accepts once parsed, `I` the union of their
 * input forms (what a producer gives: the type a journey engine's `record()` takes).
 */
export interface EventRegistry<E = CatalogEvent, I = InputOfEvents<E>> {
  /** The definition of a type, if known. */
  get(type: string): EventTypeDefinition | undefined;
  /** Every known type name. */
  readonly types: readonly string[];
  /** A new registry that also knows `definition` (the catalog's names cannot be redefined). */
  with<D extends EventTypeDefinition>(definition: D): EventRegistry<E | EventOfDefinition<D>, I | EventInputOfDefinition<D>>;
  /** Phantom field carrying the event type for inference; always undefined. */
  readonly __event?: E;
  /** Phantom field carrying the input type for inference; always undefined. */
  readonly __input?: I;
}

/**
 * Creates a registry of the catalog plus the given host-registered types. Host types use the same
 * envelope, validation and upcasting as the catalog's.
 */
export function createEventRegistry<const Ds extends readonly EventTypeDefinition[] = []>(
  custom?: Ds,
): EventRegistry<CatalogEvent | EventOfDefinition<Ds[number]>, CatalogEventInput | EventInputOfDefinition<Ds[number]>> {
  const byType = new Map<string, EventTypeDefinition>();
  for (const d of catalogDefinitions) byType.set(d.type, d);
  const make = (map: Map<string, EventTypeDefinition>): EventRegistry<never, never> => ({
    get: (type) => map.get(type),
    types: [...map.keys()],
    with(definition) {
      const next = new Map(map);
      addDefinition(next, definition);
      return make(next) as never;
    },
  });
  for (const d of custom ?? []) addDefinition(byType, d);
  return make(byType) as never;
}

function addDefinition(map: Map<string, EventTypeDefinition>, definition: EventTypeDefinition): void {
  const valid = defineEventType(definition);
  if (map.has(valid.type)) throw new TypeError(`event type "${valid.type}" is already registered`);
  map.set(valid.type, valid);
}

/** The registry of the catalog alone. */
export const catalogRegistry: EventRegistry<CatalogEvent> = createEventRegistry();
