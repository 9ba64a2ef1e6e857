import { CHANNELS } from '../channels/index.js';
import { normalizeIdentityValue } from '../identity/index.js';
import { parseInstant } from '../instant/index.js';
import { isNormalisedInstant } from '../instant/normalised.js';
import { jsonDataProblem } from '../content/index.js';
import { needsCleaning, UNSAFE_KEYS } from '../parse/clean.js';
import { buildEvent } from '../parse/shape.js';
import { catalogDefinitions, catalogRegistry, type EventRegistry, type EventTypeDefinition } from '../registry/index.js';
import { actorFields, catalogFieldTable, identityFields, sourceFields, type CrossFieldRule, type FieldSpec, type FieldTable } from './table.js';

// The fast path only answers "valid, and here is the event, exactly as the schemas would build it". On any
// doubt (a check fails, a null, an unsafe key, an odd object) it returns `undefined` and the caller runs the
// zod path, which also words the errors. So it never needs to know what an error looks like.

// Numeric kinds so the interpreter switches on small integers.
const REF = 0;
const TEXT = 1;
const BOOL = 2;
const INT = 3;
const FINITE = 4;
const ENUM = 5;
const INSTANT = 6;
const CURRENCY = 7;
const IDENTITY = 8;
const IDENTITIES = 9;
const RECORD = 10;
const OBJECT = 11;

const KIND_CODES: Readonly<Record<FieldSpec['kind'], number>> = {
  ref: REF,
  text: TEXT,
  bool: BOOL,
  int: INT,
  finite: FINITE,
  enum: ENUM,
  channel: ENUM,
  instant: INSTANT,
  currency: CURRENCY,
  identity: IDENTITY,
  identities: IDENTITIES,
  record: RECORD,
  object: OBJECT,
};

/** A field ready for the interpreter; every field has the same shape so the loop stays monomorphic. */
interface CompiledField {
  key: string;
  code: number;
  optional: boolean;
  /** `undefined` when the field has none. */
  defaultValue: string | boolean | undefined;
  min: number;
  max: number;
  values: ReadonlySet<string> | null;
  nested: CompiledTable | null;
}

/** A table's fields, and a reader specialised to them (see {@link compileReader}). */
interface CompiledTable {
  readonly fields: readonly CompiledField[];
  readonly read: (src: Record<string, unknown>) => Record<string, unknown> | undefined;
}

const identityTable = compileTable(identityFields);
const actorTable = compileTable(actorFields);
const sourceTable = compileTable(sourceFields);

function compileTable(table: FieldTable): CompiledTable {
  const fields = Object.keys(table).map((key): CompiledField => {
    const spec = table[key]!;
    return {
      key,
      code: KIND_CODES[spec.kind],
      optional: spec.optional === true || spec.default !== undefined,
      defaultValue: spec.default,
      min: spec.min ?? -Infinity,
      max: spec.max ?? Infinity,
      values: spec.kind === 'channel' ? new Set<string>(CHANNELS) : spec.values ? new Set(spec.values) : null,
      nested: spec.kind === 'identity' || spec.kind === 'identities' ? identityTable : spec.fields ? compileTable(spec.fields) : null,
    };
  });
  return { fields, read: compileReader(fields) };
}

/**
 * A reader for one table, generated once: the same steps as {@link interpretFields}, but each field's
 * key is a literal in the code, so reads and writes are named-property accesses V8 caches per site instead
 * of keyed accesses that go megamorphic across a table's keys (about twice as fast on event data). Keys
 * come from the catalog's own tables, never from input, and are quoted with JSON.stringify. Where code
 * generation is not allowed (a locked-down runtime), the interpreter does the same work.
 */
function compileReader(fields: readonly CompiledField[]): CompiledTable['read'] {
  const steps = fields.map((field, i) => {
    const key = JSON.stringify(field.key);
    const absent = !field.optional
      ? 'return undefined;'
      : `if (${key} in src) return undefined;${field.defaultValue !== undefined ? ` out[${key}] = fields[${i}].defaultValue;` : ''}`;
    const check =
      field.code === TEXT
        ? "typeof raw === 'string' ? raw : undefined"
        : field.code === REF
          ? "typeof raw === 'string' && raw.length > 0 ? raw : undefined"
          : `readValue(raw, fields[${i}])`;
    return `raw = src[${key}];\nif (raw === undefined) { ${absent} } else { value = ${check}; if (value === undefined) return undefined; out[${key}] = value; }`;
  });
  const body = `return function readTable(src) {\nconst out = {};\nlet raw, value;\n${steps.join('\n')}\nreturn out;\n};`;
  try {
    return new Function('fields', 'readValue', body)(fields, readValue) as CompiledTable['read'];
  } catch {
    return (src) => interpretFields(src, fields);
  }
}

interface CatalogEntry {
  definition: EventTypeDefinition;
  fields: CompiledTable;
  rule: CrossFieldRule | undefined;
  version: number;
}

const entries = new Map<string, CatalogEntry>(
  catalogDefinitions.map((definition) => {
    const spec = catalogFieldTable[definition.type as keyof typeof catalogFieldTable];
    return [definition.type, { definition, fields: compileTable(spec.fields), rule: spec.rule, version: definition.version ?? 1 }];
  }),
);

const CHANNEL_SET: ReadonlySet<string> = new Set(CHANNELS);

/** `[A-Za-z0-9_.:-]` by char code (EVENT_ID_PATTERN without a regex). */
const ID_CHAR = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-') ID_CHAR[c.charCodeAt(0)] = 1;

function isEventId(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 128) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 128 || ID_CHAR[c] === 0) return false;
  }
  return true;
}

/** Plain objects only: anything with another prototype (or none) may read differently once cleaned, so zod decides. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

function isRef(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/**
 * The fields of `table` read from `src` into a new object in table order, or `undefined` when any is
 * invalid, or absent and required, or present as `undefined` (zod keeps such a key; leave that to it).
 */
function readFields(src: Record<string, unknown>, table: CompiledTable): Record<string, unknown> | undefined {
  return table.read(src);
}

/** What a compiled reader does, step by step: the fallback where code cannot be generated. */
function interpretFields(src: Record<string, unknown>, table: readonly CompiledField[]): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < table.length; i++) {
    const field = table[i]!;
    const raw = src[field.key];
    if (raw === undefined) {
      if (!field.optional || field.key in src) return undefined;
      if (field.defaultValue !== undefined) out[field.key] = field.defaultValue;
      continue;
    }
    const value = readValue(raw, field);
    if (value === undefined) return undefined;
    out[field.key] = value;
  }
  return out;
}

/** The output value of one present field, or `undefined` when it is not valid (a `null` never is). */
function readValue(raw: unknown, field: CompiledField): unknown {
  switch (field.code) {
    case REF:
      return typeof raw === 'string' && raw.length > 0 ? raw : undefined;
    case TEXT:
      return typeof raw === 'string' ? raw : undefined;
    case BOOL:
      return typeof raw === 'boolean' ? raw : undefined;
    case INT:
      return Number.isSafeInteger(raw) && (raw as number) >= field.min && (raw as number) <= field.max ? raw : undefined;
    case FINITE:
      return typeof raw === 'number' && Number.isFinite(raw) && raw >= field.min && raw <= field.max ? raw : undefined;
    case ENUM:
      return typeof raw === 'string' && field.values!.has(raw) ? raw : undefined;
    case INSTANT:
      return typeof raw === 'string' ? instantIso(raw) : undefined;
    case CURRENCY:
      return typeof raw === 'string' ? currencyCode(raw) : undefined;
    case IDENTITY:
    case OBJECT:
      return isPlainObject(raw) ? readFields(raw, field.nested!) : undefined;
    case IDENTITIES:
      return readList(raw, field.nested!);
    case RECORD:
      return readRecord(raw);
    default:
      return undefined;
  }
}

function instantIso(text: string): string | undefined {
  if (isNormalisedInstant(text)) return text;
  const parsed = parseInstant(text);
  return typeof parsed === 'string' ? undefined : parsed.iso;
}

/** Three ASCII letters, upper-cased (the catalog's `/^[A-Za-z]{3}$/` then `toUpperCase`). */
function currencyCode(text: string): string | undefined {
  if (text.length !== 3) return undefined;
  let lower = false;
  for (let i = 0; i < 3; i++) {
    const c = text.charCodeAt(i);
    if (c >= 97 && c <= 122) lower = true;
    else if (c < 65 || c > 90) return undefined;
  }
  return lower ? text.toUpperCase() : text;
}

function readList(raw: unknown, table: CompiledTable): Record<string, unknown>[] | undefined {
  if (!Array.isArray(raw) || Object.getPrototypeOf(raw) !== Array.prototype) return undefined;
  const out: Record<string, unknown>[] = new Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const item: unknown = raw[i];
    const value = isPlainObject(item) ? readFields(item, table) : undefined;
    if (value === undefined) return undefined;
    out[i] = value;
  }
  return out;
}

/** Whether every object below is a plain object or array (the only kinds JSON.parse makes). */
function isDeepPlain(value: object, depth: number): boolean {
  if (depth > 64) return true;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return false;
    for (const v of value) if (typeof v === 'object' && v !== null && !isDeepPlain(v, depth + 1)) return false;
    return true;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    if (typeof v === 'object' && v !== null && !isDeepPlain(v, depth + 1)) return false;
  }
  return true;
}

/**
 * A copy of a free record. Unsafe keys, symbol keys, null members and values the input cleaning would
 * change are left to zod (cleaning then copies, and the record schema reports symbols).
 */
function readRecord(raw: unknown): Record<string, unknown> | undefined {
  if (!isPlainObject(raw) || Object.getOwnPropertySymbols(raw).length > 0) return undefined;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(raw)) {
    if (UNSAFE_KEYS.has(key)) return undefined;
    const value = raw[key];
    // A record sits in `data` (depth 2), so its values are at depth 3 of the cleaned input. Nested objects
    // that are not plain (a null prototype, say) would be copied as plain ones when cleaning runs anywhere
    // in the input: the schema path decides those.
    // What is not JSON data (a bigint, NaN, a Map, a cycle) is left to the schemas, which name it; checked
    // first, so the walks below meet only finite trees.
    if (value === null || (value !== undefined && jsonDataProblem(value) !== undefined)) return undefined;
    if (typeof value === 'object' && (needsCleaning(value, 3) || !isDeepPlain(value, 3))) return undefined;
    out[key] = value;
  }
  return out;
}

function passesRule(rule: CrossFieldRule, data: Record<string, unknown>): boolean {
  switch (rule) {
    case 'surveyScoreInRange': {
      const score = data.score as number;
      const [lo, hi] = data.kind === 'csat' ? [1, 5] : data.kind === 'nps' ? [0, 10] : [1, 7];
      return score >= lo && score <= hi;
    }
    case 'snoozeNeedsUntil':
      return data.to !== 'snoozed' || data.snoozedUntil !== undefined;
  }
}

function hasUsableIdentity(identities: readonly Record<string, unknown>[] | undefined): boolean {
  if (identities === undefined) return false;
  for (const i of identities) {
    if (normalizeIdentityValue((i.type as string).trim(), i.value as string) !== undefined) return true;
  }
  return false;
}

/**
 * The parsed event when `input` is a valid event of a catalog type, built exactly as `parseEventWithSchemas`
 * builds it (key order, defaults, normalised instants, unknown fields dropped, upcasts); `undefined` when it
 * is invalid or anything about it needs the schemas (host types, nulls, unsafe keys, unusual objects).
 */
export function fastParseCatalogEvent(input: Record<string, unknown>, registry: EventRegistry<unknown, unknown>, uniform = false): Record<string, unknown> | undefined {
  if (Object.getPrototypeOf(input) !== Object.prototype) return undefined;
  const type = input.type;
  if (typeof type !== 'string') return undefined;
  const entry = entries.get(type);
  // A registry may map a catalog name to its own definition: then its schema rules.
  if (entry === undefined || (registry !== catalogRegistry && registry.get(type) !== entry.definition)) return undefined;

  const id = input.id;
  if (!isEventId(id)) return undefined;
  const rawVersion = input.schemaVersion;
  let fromVersion = 1;
  if (rawVersion !== undefined) {
    if (!Number.isSafeInteger(rawVersion) || (rawVersion as number) < 1 || (rawVersion as number) > entry.version) return undefined;
    fromVersion = rawVersion as number;
  }
  const tenantId = input.tenantId;
  if (!isRef(tenantId)) return undefined;
  const rawOccurredAt = input.occurredAt;
  if (typeof rawOccurredAt !== 'string') return undefined;
  const occurredAt = instantIso(rawOccurredAt);
  if (occurredAt === undefined) return undefined;

  // Envelope optionals: present-but-undefined reads like absent here, as it does on the schema path.
  const customerId = input.customerId;
  if (customerId !== undefined && !isRef(customerId)) return undefined;
  let identities: Record<string, unknown>[] | undefined;
  if (input.identities !== undefined) {
    identities = readList(input.identities, identityTable);
    if (identities === undefined) return undefined;
  }
  const channel = input.channel;
  if (channel !== undefined && !(typeof channel === 'string' && CHANNEL_SET.has(channel))) return undefined;
  const caseId = input.caseId;
  if (caseId === undefined ? entry.definition.requiresCase === true : !isRef(caseId)) return undefined;
  let actor: Record<string, unknown> | undefined;
  if (input.actor === undefined) actor = { kind: 'system' };
  else {
    actor = isPlainObject(input.actor) ? readFields(input.actor, actorTable) : undefined;
    if (actor === undefined) return undefined;
  }
  const correlationId = input.correlationId;
  if (correlationId !== undefined && !isRef(correlationId)) return undefined;
  const causationId = input.causationId;
  if (causationId !== undefined && !isRef(causationId)) return undefined;
  let source: Record<string, unknown> | undefined;
  if (input.source !== undefined) {
    source = isPlainObject(input.source) ? readFields(input.source, sourceTable) : undefined;
    if (source === undefined) return undefined;
  }

  if (!isPlainObject(input.data)) return undefined;
  let rawData: Record<string, unknown> = input.data;
  // Same upcast loop as the schema path; upcasters read the data before it is validated.
  for (let v = fromVersion; v < entry.version; v++) {
    const upcaster = entry.definition.upcasters?.find((u) => u.fromVersion === v);
    if (upcaster) rawData = upcaster.upcast(rawData);
  }
  if (!isPlainObject(rawData)) return undefined;
  const data = readFields(rawData, entry.fields);
  if (data === undefined || (entry.rule !== undefined && !passesRule(entry.rule, data))) return undefined;
  if (customerId === undefined && !entry.definition.tenantLevel && !hasUsableIdentity(identities)) return undefined;

  // Built as the schema path builds it (same function).
  return buildEvent(uniform, id, type, entry.version, tenantId, occurredAt, customerId, identities, channel, caseId, actor, correlationId, causationId, source, data);
}
