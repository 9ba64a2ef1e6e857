import type { z } from 'zod';
import { envelopeSchema } from '../envelope/index.js';
import { normalizeIdentityValue } from '../identity/index.js';
import { catalogRegistry, type CatalogEvent, type EventRegistry } from '../registry/index.js';
import { fastParseCatalogEvent } from '../fast-path/index.js';
import { buildEvent } from './shape.js';
import { cleanInput } from './clean.js';
import { PERSONAL_FIELDS } from '../personal/index.js';

/** One problem found in an input event: where (`data.score`) and what a person should fix. */
export interface ValidationIssue {
  path: string;
  message: string;
}

/** An input that is not a valid event. `issues` name every field at fault. */
export class ValidationError extends Error {
  readonly code = 'VALIDATION_FAILED';
  /** The input's `id` when it had a string one, else `null`. */
  readonly eventId: string | null;
  readonly issues: readonly ValidationIssue[];
  constructor(eventId: string | null, issues: readonly ValidationIssue[]) {
    const list = issues.map((i) => `${i.path || '(event)'}: ${i.message}`).join('; ');
    super(`Invalid event${eventId === null ? '' : ` "${eventId}"`}: ${list}. Fix the named fields and send the event again.`);
    this.name = 'ValidationError';
    this.eventId = eventId;
    this.issues = issues;
  }
}

/** The outcome of `parseEvent`. */
export type ParseEventResult<E = CatalogEvent> =
  | { success: true; event: E; error?: undefined }
  | { success: false; error: ValidationError; event?: undefined };

/** Options of `parseEvent`. */
export interface ParseEventOptions<E> {
  /** Which types are known; the catalog by default. */
  registry?: EventRegistry<E, unknown>;
  /**
   * Every envelope key present, in one order, `undefined` when the field is absent (default `false`: absent
   * fields are left out). All events parsed so share one hidden class, which keeps hot code reading their
   * fields monomorphic (the journey engine records this way). Equal to the default output as JSON, but
   * `Object.keys` and `in` see the absent fields' keys.
   */
  uniformShape?: boolean;
}

function pathOf(prefix: string, path: readonly PropertyKey[]): string {
  const tail = path.map(String).join('.');
  return prefix ? (tail ? `${prefix}.${tail}` : prefix) : tail;
}

// Names of personal fields of any type (docs/privacy.md): a value found under one is never quoted.
const PERSONAL_FIELD_NAMES = new Set(['identities', 'a', 'b', ...Object.values(PERSONAL_FIELDS).flatMap((fields) => fields!.map((f) => f.field))]);

function issuesOf(error: z.ZodError, prefix: string): ValidationIssue[] {
  return error.issues.map((i) => {
    // A rejection is logged and sent back to the producer: it must not copy a personal value, even a short
    // one, past an erasure (none of today's personal fields has a format check; this keeps it so).
    const personal = prefix === 'identities' || i.path.some((key) => typeof key === 'string' && PERSONAL_FIELD_NAMES.has(key));
    const got = personal ? undefined : shortValueOf(i);
    return { path: pathOf(prefix, i.path), message: got === undefined ? i.message : `${i.message} (got ${got})` };
  });
}

/**
 * The value a wrong-value or wrong-format issue was given, as JSON, when it is short: the message then shows
 * what was wrong (`channel: Invalid option: expected one of … (got "fax")`). Long values are left out, so a
 * message stays one readable line and never copies a large payload.
 */
function shortValueOf(issue: z.core.$ZodIssue): string | undefined {
  if (issue.code !== 'invalid_value' && issue.code !== 'invalid_format') return undefined;
  const input = (issue as { input?: unknown }).input;
  if (typeof input !== 'string' && typeof input !== 'number' && typeof input !== 'boolean') return undefined;
  const json = JSON.stringify(input);
  return json.length <= 42 ? json : undefined;
}

// A missing required field reads "is required" rather than zod's "expected string, received undefined".
// `reportInput` keeps each issue's input, for the short value a message quotes (see shortValueOf).
const parseParams = {
  error: (issue: { input?: unknown; code?: string }) => (issue.input === undefined && issue.code === 'invalid_type' ? 'is required' : undefined),
  reportInput: true,
};

/**
 * Validates one input event against the envelope and its type's schema, applies defaults, normalises
 * `occurredAt` to UTC milliseconds, drops unknown fields and upcasts older schema versions. Never throws:
 * returns the typed event or a `ValidationError` listing every field at fault.
 */
export function parseEvent<E = CatalogEvent>(input: unknown, options?: ParseEventOptions<E>): ParseEventResult<E> {
  // Valid catalog events take the hand-written path; anything it is unsure of (every invalid event
  // included) goes through the schemas, which also word the errors.
  if (input !== null && typeof input === 'object') {
    const event = fastParseCatalogEvent(input as Record<string, unknown>, (options?.registry ?? catalogRegistry) as EventRegistry<unknown, unknown>, options?.uniformShape === true);
    if (event !== undefined) return { success: true, event: event as E };
  }
  return parseEventWithSchemas(input, options);
}

/**
 * `parseEvent` through the zod schemas only, without the fast path for valid catalog events: the reference
 * the fast path is tested against. Same results as `parseEvent`, slower.
 */
export function parseEventWithSchemas<E = CatalogEvent>(input: unknown, options?: ParseEventOptions<E>): ParseEventResult<E> {
  const registry = (options?.registry ?? catalogRegistry) as EventRegistry<unknown, unknown>;
  const inputId =
    input !== null && typeof input === 'object' && !Array.isArray(input) && typeof (input as { id?: unknown }).id === 'string'
      ? ((input as { id: string }).id)
      : null;
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return fail(inputId, [{ path: '', message: 'an event must be a JSON object' }]);
  }
  const cleaned = cleanInput(input) as Record<string, unknown>;
  const envelope = envelopeSchema.safeParse(cleaned, parseParams);
  const issues: ValidationIssue[] = envelope.success ? [] : issuesOf(envelope.error, '');
  const type = typeof cleaned.type === 'string' ? cleaned.type : undefined;
  const definition = type === undefined ? undefined : registry.get(type);
  if (type !== undefined && type !== '' && definition === undefined) {
    issues.push({ path: 'type', message: `unknown event type "${type}"` });
  }
  if (definition === undefined) return fail(inputId, issues);

  // Validate the data even when the envelope failed, so one answer lists every field at fault.
  const rawData = cleaned.data;
  const dataIsObject = rawData !== null && typeof rawData === 'object' && !Array.isArray(rawData);
  const current = definition.version ?? 1;
  // Only a valid version may drive the upcast loop: a huge negative one would spin it for seconds.
  const rawVersion = cleaned.schemaVersion;
  const fromVersion = envelope.success
    ? envelope.data.schemaVersion
    : typeof rawVersion === 'number' && Number.isInteger(rawVersion) && rawVersion >= 1
      ? rawVersion
      : 1;
  if (fromVersion > current) {
    issues.push({ path: 'schemaVersion', message: `${fromVersion} is newer than this library knows for ${definition.type} (at most ${current}); upgrade Omnitrail` });
    return fail(inputId, issues);
  }
  let data = dataIsObject ? (rawData as Record<string, unknown>) : undefined;
  for (let v = fromVersion; data !== undefined && v < current; v++) {
    const upcaster = definition.upcasters?.find((u) => u.fromVersion === v);
    if (upcaster) data = upcaster.upcast(data);
  }
  const parsedData = data === undefined ? undefined : definition.data.safeParse(data, parseParams);
  if (parsedData && !parsedData.success) issues.push(...issuesOf(parsedData.error, 'data'));
  if (definition.requiresCase && cleaned.caseId === undefined) {
    issues.push({ path: 'caseId', message: `is required for ${definition.type}` });
  }
  if (!definition.tenantLevel && cleaned.customerId === undefined) {
    // Copied element by element: slice() would build the copy with the array's own `constructor`, which a
    // host's object may have replaced (and crash).
    const identities: unknown[] = [];
    if (Array.isArray(cleaned.identities)) for (let i = 0; i < cleaned.identities.length; i++) identities.push(cleaned.identities[i]);
    // The identities an identity event carries in its data identify its customer too (resolution reads them).
    if (data !== undefined) identities.push(...identitiesInData(definition.type, data));
    const usable = identities.some(
      (i) =>
        i !== null &&
        typeof i === 'object' &&
        typeof (i as { type?: unknown }).type === 'string' &&
        typeof (i as { value?: unknown }).value === 'string' &&
        normalizeIdentityValue((i as { type: string }).type.trim(), (i as { value: string }).value) !== undefined,
    );
    if (!usable) {
      issues.push({ path: 'customerId', message: 'is required when the event carries no usable identity (identities were missing or all placeholders)' });
    }
  }
  if (!envelope.success || issues.length > 0 || !parsedData || !parsedData.success) return fail(inputId, issues);
  const env = envelope.data;

  // A stable key order, absent optional fields left out (or present as undefined, for a uniform shape).
  const event = buildEvent(
    options?.uniformShape === true,
    env.id,
    env.type,
    current,
    env.tenantId,
    env.occurredAt,
    env.customerId,
    env.identities,
    env.channel,
    env.caseId,
    env.actor,
    env.correlationId,
    env.causationId,
    env.source,
    parsedData.data,
  );
  return { success: true, event: event as E };
}

/** The identities `CustomerIdentified` and `IdentitiesLinked` carry in `data` (raw, unchecked). */
function identitiesInData(type: string, data: Record<string, unknown>): unknown[] {
  if (type === 'CustomerIdentified') return Array.isArray(data.identities) ? (data.identities as unknown[]) : [];
  if (type === 'IdentitiesLinked') return [data.a, data.b];
  return [];
}

function fail(eventId: string | null, issues: ValidationIssue[]): { success: false; error: ValidationError } {
  return { success: false, error: new ValidationError(eventId, issues) };
}

/** Like `parseEvent`, but throws the `ValidationError`. */
export function parseEventOrThrow<E = CatalogEvent>(input: unknown, options?: ParseEventOptions<E>): E {
  const result = parseEvent(input, options);
  if (!result.success) throw result.error;
  return result.event;
}
