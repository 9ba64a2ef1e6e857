import { catalogRegistry } from '@omnitrail/events';
import { z } from 'zod';
import { compileDateFormat } from '../date-format/index.js';
import { checkTimeZone } from '../time-zone/index.js';

/** A value written as is, whatever the row. */
export type Constant = string | number | boolean;

/** A field read from a column, with an optional conversion and value map. */
export interface ColumnValue {
  column: string;
  /**
   * Conversion of the cell (default `string`). `instant`: with `format`, read by that format; without, RFC
   * 3339, where a time without an offset is read in the mapping's `timeZone`.
   */
  as?: 'string' | 'number' | 'integer' | 'boolean' | 'instant';
  /** Cell value → output value, applied before the conversion (e.g. `{"Y": true}`). */
  map?: Record<string, Constant>;
  /** What a value absent from `map` does: `bad-row` (default) makes the row a bad row, `keep` keeps it. */
  unmapped?: 'bad-row' | 'keep';
  /** The value of a missing cell (empty or a `missing` marker); without it the field is left out. */
  default?: Constant;
  /** The cell's date format, e.g. `DD-MM-YYYY HH:mm` (docs/import.md lists the tokens); implies `instant`. */
  format?: string;
  /** Overrides the mapping's `timeZone` for this column; implies `instant`. */
  timeZone?: string;
  /** The decimal mark, overriding the mapping's `decimal`; implies `number` unless `as` says `integer`. */
  decimal?: '.' | ',';
}

/**
 * Where one field's value comes from: a constant (string, number, boolean), or a column with an optional
 * conversion and value map. Missing cells leave the field out unless a `default` is given.
 */
export type ValueSpec = Constant | ColumnValue;

/**
 * One rule of an audit log: which change of a watched column gives which event. A rule matches a change
 * when every condition it states holds; the first matching rule of the column decides.
 */
export interface AuditRule {
  /** The watched column. */
  column: string;
  /** The value before the change (one or any of several); never matches a ticket's first row. */
  from?: string | string[];
  /** The value after the change (one or any of several); `""` is a missing value. */
  to?: string | string[];
  /** `true`: only on a ticket's first row; `false`: only on later rows. */
  first?: boolean;
  /** `true`: only on a ticket's last row; `false`: only on earlier rows. */
  last?: boolean;
  /**
   * The event type the change gives, or several in order (a ticket created already resolved:
   * `["CaseOpened", "CaseResolved"]`); absent only with `skip`.
   */
  type?: string | string[];
  /** `true`: the change gives no event (and is not a bad row). */
  skip?: boolean;
  /** Data fields of this rule's event, added to the mapping's `data` and `dataByType`. */
  data?: Record<string, ValueSpec>;
}

/**
 * Audit-log mode: every row is a ticket as it stood after one change. Rows are grouped by `ticket`, ordered
 * by `orderBy` (default: the mapping's `occurredAt`) then `sequence`, and the changes of the columns the
 * rules name become events.
 */
export interface AuditLogSpec {
  /** The column holding the ticket key. */
  ticket: string;
  /** What orders a ticket's rows (default: `occurredAt`). */
  orderBy?: ColumnValue;
  /** The column that orders rows with equal `orderBy` values (numbers numerically, else as text). */
  sequence?: string;
  rules: AuditRule[];
}

/**
 * The column-mapping file of `omnitrail import csv --mapping <file>` (docs/import.md): which columns give
 * the envelope fields and the data fields. `type` may be fixed or read from a column; in audit-log mode,
 * the rules give it.
 */
export interface CsvMapping {
  /** Field separator (default `,`). */
  delimiter?: string;
  /** Prefix of generated ids `<prefix>-<number>` when `id` is not mapped (default `csv`). */
  idPrefix?: string;
  /** The zone of times without an offset: an IANA name (`Europe/Amsterdam`) or an offset (`+01:00`). */
  timeZone?: string;
  /** Offset appended as is to RFC 3339 times without one (default `Z`); older form of `timeZone`. */
  timeZoneOffset?: string;
  /** Cell values that mean "no value" (an empty cell always does), e.g. `["?", "N/A"]`. */
  missing?: string[];
  /** The decimal mark of every `number`/`integer` column (default `.`). */
  decimal?: '.' | ',';
  id?: ValueSpec;
  type?: ValueSpec;
  tenantId?: ValueSpec;
  occurredAt: ValueSpec;
  customerId?: ValueSpec;
  channel?: ValueSpec;
  caseId?: ValueSpec;
  actorKind?: ValueSpec;
  actorId?: ValueSpec;
  /** Identities: each maps to `{type, value}`. */
  identities?: { type: string; value: ValueSpec; verified?: boolean }[];
  /** Data fields by name (all event types); `dataByType` adds per-type fields. */
  data?: Record<string, ValueSpec>;
  dataByType?: Record<string, Record<string, ValueSpec>>;
  /** Audit-log mode (see {@link AuditLogSpec}). */
  audit?: AuditLogSpec;
}

/** A mapping file that cannot be applied; the message names the field and the reason. */
export class CsvMappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CsvMappingError';
  }
}

const timeZoneSchema = z.string().superRefine((name, ctx) => {
  const check = checkTimeZone(name);
  if (check !== true) ctx.addIssue({ code: 'custom', message: check });
});

const columnValueSchema = z
  .strictObject({
    column: z.string().min(1, 'must name a column'),
    as: z.enum(['string', 'number', 'integer', 'boolean', 'instant']).optional(),
    map: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    unmapped: z.enum(['bad-row', 'keep']).optional(),
    default: z.union([z.string(), z.number(), z.boolean()]).optional(),
    format: z
      .string()
      .superRefine((format, ctx) => {
        try {
          compileDateFormat(format);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
        }
      })
      .optional(),
    timeZone: timeZoneSchema.optional(),
    decimal: z.enum(['.', ',']).optional(),
  })
  // A format or time zone says the cell is an instant, a decimal mark that it is a number.
  .transform((spec) => (spec.as !== undefined ? spec : spec.format !== undefined || spec.timeZone !== undefined ? { ...spec, as: 'instant' as const } : spec.decimal !== undefined ? { ...spec, as: 'number' as const } : spec))
  .superRefine((spec, ctx) => {
    const as = spec.as ?? 'string';
    if ((spec.format !== undefined || spec.timeZone !== undefined) && as !== 'instant') {
      ctx.addIssue({ code: 'custom', path: [spec.format !== undefined ? 'format' : 'timeZone'], message: `applies to "as": "instant" only (this value is ${as})` });
    }
    if (spec.decimal !== undefined && as !== 'number' && as !== 'integer') {
      ctx.addIssue({ code: 'custom', path: ['decimal'], message: `applies to "as": "number" or "integer" only (this value is ${as})` });
    }
  });

const valueSpecSchema = z.union([z.string(), z.number(), z.boolean(), columnValueSchema]);

const eventTypeSchema = z.string().superRefine((type, ctx) => {
  if (catalogRegistry.get(type) === undefined) ctx.addIssue({ code: 'custom', message: `"${type}" is not an event type of the catalog (docs/catalog.md lists them)` });
});

const oneOrSeveral = z.union([z.string(), z.array(z.string()).min(1)]);

const auditRuleSchema = z
  .strictObject({
    column: z.string().min(1, 'must name a column'),
    from: oneOrSeveral.optional(),
    to: oneOrSeveral.optional(),
    first: z.boolean().optional(),
    last: z.boolean().optional(),
    type: z.union([eventTypeSchema, z.array(eventTypeSchema).min(1)]).optional(),
    skip: z.literal(true).optional(),
    data: z.record(z.string(), valueSpecSchema).optional(),
  })
  .superRefine((rule, ctx) => {
    if ((rule.type === undefined) === (rule.skip === undefined)) ctx.addIssue({ code: 'custom', message: 'needs either "type" (the event the change gives) or "skip": true' });
    if (rule.from !== undefined && rule.first === true) ctx.addIssue({ code: 'custom', path: ['from'], message: 'never matches with "first": true (a first row has no value before it)' });
  });

const auditSchema = z.strictObject({
  ticket: z.string().min(1, 'must name a column'),
  orderBy: columnValueSchema.optional(),
  sequence: z.string().min(1, 'must name a column').optional(),
  rules: z.array(auditRuleSchema).min(1, 'needs at least one rule'),
});

const mappingSchema = z
  .strictObject({
    delimiter: z.string().length(1, 'must be one character').optional(),
    idPrefix: z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'must be letters, digits or _ . : -').optional(),
    timeZone: timeZoneSchema.optional(),
    timeZoneOffset: z.string().regex(/^([zZ]|[+-]\d{2}:\d{2})$/, 'must be Z or ±HH:MM').optional(),
    missing: z.array(z.string()).optional(),
    decimal: z.enum(['.', ',']).optional(),
    id: valueSpecSchema.optional(),
    type: valueSpecSchema.optional(),
    tenantId: valueSpecSchema.optional(),
    occurredAt: valueSpecSchema,
    customerId: valueSpecSchema.optional(),
    channel: valueSpecSchema.optional(),
    caseId: valueSpecSchema.optional(),
    actorKind: valueSpecSchema.optional(),
    actorId: valueSpecSchema.optional(),
    identities: z.array(z.strictObject({ type: z.string().min(1), value: valueSpecSchema, verified: z.boolean().optional() })).optional(),
    data: z.record(z.string(), valueSpecSchema).optional(),
    dataByType: z.record(eventTypeSchema, z.record(z.string(), valueSpecSchema)).optional(),
    audit: auditSchema.optional(),
  })
  .superRefine((m, ctx) => {
    if (m.audit === undefined && m.type === undefined) ctx.addIssue({ code: 'custom', path: ['type'], message: 'is required (or "audit", whose rules give the types)' });
    if (m.audit !== undefined && m.type !== undefined) ctx.addIssue({ code: 'custom', path: ['type'], message: 'is not used in audit mode: the audit rules give the types' });
    if (m.timeZone !== undefined && m.timeZoneOffset !== undefined) ctx.addIssue({ code: 'custom', path: ['timeZoneOffset'], message: 'give "timeZone" or "timeZoneOffset", not both' });
    const typeSpec = m.type;
    // A fixed type or a mapped one must name catalog types: a typo there would fail every row.
    const types = typeof typeSpec === 'string' ? [typeSpec] : typeof typeSpec === 'object' ? Object.values(typeSpec.map ?? {}) : [];
    for (const t of types) {
      if (typeof t !== 'string' || catalogRegistry.get(t) === undefined) {
        ctx.addIssue({ code: 'custom', path: typeof typeSpec === 'string' ? ['type'] : ['type', 'map'], message: `${JSON.stringify(t)} is not an event type of the catalog (docs/catalog.md lists them)` });
      }
    }
  });

type Issue = z.core.$ZodIssue;

/** Readable messages of zod issues; a failed union says what the value should have been. */
function describeIssues(issues: readonly Issue[], prefix: readonly PropertyKey[] = []): { path: string; message: string }[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union') {
      // The branch that got past the type check is the one the author meant; else none was the right type.
      const meant = issue.errors.find((branch) => !branch.every((i) => i.code === 'invalid_type' && i.path.length === 0));
      if (meant) return describeIssues(meant, path);
      const expected = issue.errors.map((branch) => (branch[0] && 'expected' in branch[0] ? String(branch[0].expected) : '')).filter((e) => e !== '');
      return [{ path: pathText(path), message: `must be ${expected.includes('object') ? 'a constant (string, number, boolean) or {"column": …}' : `one of: ${[...new Set(expected)].join(', ')}`}` }];
    }
    // A record key that fails its own check (an unknown event type in dataByType): say why.
    if (issue.code === 'invalid_key') return describeIssues(issue.issues, path);
    if (issue.code === 'unrecognized_keys') return [{ path: pathText(path), message: `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}` }];
    if (issue.code === 'invalid_type' && issue.input === undefined) return [{ path: pathText(path), message: 'is required' }];
    return [{ path: pathText(path), message: issue.message.replace(/^Invalid input: /, '') }];
  });
}

function pathText(path: readonly PropertyKey[]): string {
  return path.map((p, k) => (typeof p === 'number' ? `[${p}]` : `${k === 0 ? '' : '.'}${String(p)}`)).join('');
}

/**
 * Checks a parsed mapping file and returns it typed. Throws a {@link CsvMappingError} listing every field at
 * fault, each with the reason (`audit.rules[2].type: "CaseResolve" is not an event type …`).
 */
export function readCsvMapping(input: unknown): CsvMapping {
  const result = mappingSchema.safeParse(input);
  if (result.success) return result.data as CsvMapping;
  const problems = describeIssues(result.error.issues);
  throw new CsvMappingError(`the mapping has ${problems.length === 1 ? 'a mistake' : `${problems.length} mistakes`}:\n${problems.map((p) => `  ${p.path || '(mapping)'}: ${p.message}`).join('\n')}`);
}

/** Every column a mapping reads, each with the first mapping field that names it (to check the header). */
export function columnsOfMapping(mapping: CsvMapping): Map<string, string> {
  const columns = new Map<string, string>();
  const note = (spec: ValueSpec | undefined, field: string) => {
    if (typeof spec === 'object' && !columns.has(spec.column)) columns.set(spec.column, field);
  };
  for (const field of ['id', 'type', 'tenantId', 'occurredAt', 'customerId', 'channel', 'caseId', 'actorKind', 'actorId'] as const) note(mapping[field], field);
  mapping.identities?.forEach((identity, k) => note(identity.value, `identities[${k}].value`));
  for (const [name, spec] of Object.entries(mapping.data ?? {})) note(spec, `data.${name}`);
  for (const [type, fields] of Object.entries(mapping.dataByType ?? {})) for (const [name, spec] of Object.entries(fields)) note(spec, `dataByType.${type}.${name}`);
  const audit = mapping.audit;
  if (audit) {
    note({ column: audit.ticket }, 'audit.ticket');
    note(audit.orderBy, 'audit.orderBy');
    if (audit.sequence !== undefined) note({ column: audit.sequence }, 'audit.sequence');
    audit.rules.forEach((rule, k) => {
      note({ column: rule.column }, `audit.rules[${k}].column`);
      for (const [name, spec] of Object.entries(rule.data ?? {})) note(spec, `audit.rules[${k}].data.${name}`);
    });
  }
  return columns;
}
