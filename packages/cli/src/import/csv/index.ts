import { parseInstant } from '@omnitrail/events';
import type { InputEvent } from '../types.js';
import { readCsvTable } from './parse.js';

export { parseCsv, readCsvTable, type CsvTable } from './parse.js';

/**
 * Where one field's value comes from: a constant (string, number, boolean), or a column with an optional
 * conversion and value map. Empty cells leave the field out unless a `default` is given.
 */
export type ValueSpec =
  | string
  | number
  | boolean
  | {
      column: string;
      /** Conversion of the cell (default `string`). `instant`: RFC 3339; without an offset, `timeZoneOffset` is added. */
      as?: 'string' | 'number' | 'integer' | 'boolean' | 'instant';
      /** Cell value → output value, applied before the conversion (e.g. `{"Y": "true"}`). */
      map?: Record<string, string | number | boolean>;
      default?: string | number | boolean;
    };

/**
 * The column-mapping file of `omnitrail import csv --mapping <file>` (docs/import.md): which columns give
 * the envelope fields and the data fields. `type` may be fixed or read from a column.
 */
export interface CsvMapping {
  /** Field separator (default `,`). */
  delimiter?: string;
  /** Prefix of generated ids `<prefix>-<record number>` when `id` is not mapped (default `csv`). */
  idPrefix?: string;
  /** Offset added to instants that have none, like `Z` or `+01:00` (default `Z`). */
  timeZoneOffset?: string;
  id?: ValueSpec;
  type: ValueSpec;
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
}

/** A mapping file that cannot be applied; the message names the field and the record. */
export class CsvMappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CsvMappingError';
  }
}

function valueOf(spec: ValueSpec | undefined, row: Record<string, string>, where: string, offset: string): string | number | boolean | undefined {
  if (spec === undefined) return undefined;
  if (typeof spec !== 'object') return spec;
  if (!(spec.column in row)) throw new CsvMappingError(`${where}: no column "${spec.column}" in the CSV header`);
  const cell = row[spec.column]!;
  let value: string | number | boolean | undefined = cell === '' ? spec.default : cell;
  if (value === undefined) return undefined;
  if (typeof value === 'string' && spec.map && value in spec.map) value = spec.map[value]!;
  switch (spec.as ?? 'string') {
    case 'number':
    case 'integer': {
      const n = typeof value === 'number' ? value : Number(String(value).trim());
      if (!Number.isFinite(n) || (spec.as === 'integer' && !Number.isInteger(n))) throw new CsvMappingError(`${where}: "${value}" is not a${spec.as === 'integer' ? 'n integer' : ' number'}`);
      return n;
    }
    case 'boolean':
      return typeof value === 'boolean' ? value : /^(true|yes|y|1)$/i.test(String(value).trim());
    case 'instant': {
      const text = String(value).trim();
      const withOffset = /([zZ]|[+-]\d{2}:\d{2})$/.test(text) ? text : `${text}${offset}`;
      const parsed = parseInstant(withOffset.replace(/^(\d{4}-\d{2}-\d{2})$/, '$1T00:00:00'));
      // Invalid instants are passed through: validation on replay names them precisely.
      return typeof parsed === 'string' ? text : withOffset;
    }
    default:
      return String(value);
  }
}

/** Converts a CSV file with a column mapping into events (one per record). */
export function importCsv(text: string, mapping: CsvMapping, options: { tenant?: string } = {}): InputEvent[] {
  if (mapping.type === undefined || mapping.occurredAt === undefined) throw new CsvMappingError('the mapping needs "type" and "occurredAt"');
  const { rows } = readCsvTable(text, mapping.delimiter ?? ',');
  const offset = mapping.timeZoneOffset ?? 'Z';
  const width = String(rows.length + 1).length;
  return rows.map(({ record, values }) => {
    const at = (field: string) => `record ${record}, ${field}`;
    const str = (spec: ValueSpec | undefined, field: string) => {
      const v = valueOf(spec, values, at(field), offset);
      return v === undefined ? undefined : String(v);
    };
    const type = str(mapping.type, 'type') ?? '';
    const event: InputEvent = {
      id: str(mapping.id, 'id') ?? `${mapping.idPrefix ?? 'csv'}-${String(record).padStart(width, '0')}`,
      type,
      tenantId: options.tenant ?? str(mapping.tenantId, 'tenantId') ?? 'default',
      occurredAt: String(valueOf(typeof mapping.occurredAt === 'object' ? { as: 'instant', ...mapping.occurredAt } : mapping.occurredAt, values, at('occurredAt'), offset) ?? ''),
      data: {},
    };
    const customerId = str(mapping.customerId, 'customerId');
    if (customerId !== undefined) event.customerId = customerId;
    const channel = str(mapping.channel, 'channel');
    if (channel !== undefined) event.channel = channel;
    const caseId = str(mapping.caseId, 'caseId');
    if (caseId !== undefined) event.caseId = caseId;
    const actorKind = str(mapping.actorKind, 'actorKind');
    if (actorKind !== undefined) {
      const actorId = str(mapping.actorId, 'actorId');
      event.actor = actorId === undefined ? { kind: actorKind } : { kind: actorKind, id: actorId };
    }
    const identities = (mapping.identities ?? []).flatMap((i) => {
      const value = str(i.value, `identities.${i.type}`);
      return value === undefined ? [] : [{ type: i.type, value, ...(i.verified === undefined ? {} : { verified: i.verified }) }];
    });
    if (identities.length > 0) event.identities = identities;
    const dataSpecs = { ...(mapping.data ?? {}), ...(mapping.dataByType?.[type] ?? {}) };
    for (const [name, spec] of Object.entries(dataSpecs)) {
      const v = valueOf(spec, values, at(`data.${name}`), offset);
      if (v !== undefined) event.data[name] = v;
    }
    return event;
  });
}
