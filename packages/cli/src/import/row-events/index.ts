import { parseEvent } from '@omnitrail/events';
import type { RowProblem } from '../bad-rows/index.js';
import type { CsvMapping, ValueSpec } from '../mapping/index.js';
import type { InputEvent } from '../types.js';
import type { ValueReader } from '../values/index.js';

/** What the caller decides for one event of a row: its type and id, and data fields of its own. */
export interface RowEventRequest {
  /** The type, when the caller knows it (audit rules); else the mapping's `type` gives it. */
  type?: string;
  /** The generated id, used when the mapping maps no `id`. */
  generatedId: string;
  /** Which event of its row this is (0 = the first): later ones get `.<part>` after the id. */
  part: number;
  /** Data fields added after `data` and `dataByType` (an audit rule's `data`), with their mapping path. */
  data?: { fields: Record<string, ValueSpec>; path: string };
}

/** Builds one event from a row, or lists what is wrong with the row. */
export type RowEventBuilder = (row: Record<string, string>, request: RowEventRequest) => { event: InputEvent } | { problems: RowProblem[] };

const ENVELOPE_FIELDS = ['tenantId', 'customerId', 'channel', 'caseId'] as const;

/**
 * Creates the builder of a mapping's events. Every event is validated as replay would validate it
 * (`parseEvent`): an event replay would reject is never written, its row is a bad row instead, with the
 * column behind each invalid field.
 */
export function createRowEventBuilder(mapping: CsvMapping, reader: ValueReader, options: { tenant?: string } = {}): RowEventBuilder {
  const columnOf = (spec: ValueSpec | undefined) => (typeof spec === 'object' ? spec.column : undefined);
  const occurredAtSpec: ValueSpec = typeof mapping.occurredAt === 'object' ? { as: 'instant', ...mapping.occurredAt } : mapping.occurredAt;
  return (row, request) => {
    const problems: RowProblem[] = [];
    // Event path → the column it was read from, to name the column behind a validation issue.
    const columns = new Map<string, string>();
    const value = (spec: ValueSpec | undefined, field: string, eventPath = field) => {
      const column = columnOf(spec);
      if (column !== undefined) columns.set(eventPath, column);
      const reading = reader.read(spec, row);
      if (reading.ok) return reading.value;
      problems.push({ field, ...(column === undefined ? {} : { column }), reason: reading.reason });
      return undefined;
    };
    const text = (spec: ValueSpec | undefined, field: string, eventPath = field) => {
      const v = value(spec, field, eventPath);
      return v === undefined ? undefined : String(v);
    };
    // Type and time have no default: a missing one makes the row bad (unless its cell was bad already).
    const required = (spec: ValueSpec | undefined, field: 'type' | 'occurredAt') => {
      const v = text(spec, field);
      const column = columnOf(spec);
      if (v === undefined && problems.every((p) => p.field !== field)) problems.push({ field, ...(column === undefined ? {} : { column }), reason: 'is missing' });
      return v;
    };
    const type = request.type ?? required(mapping.type, 'type');
    const occurredAt = required(occurredAtSpec, 'occurredAt');
    const id = text(mapping.id, 'id') ?? request.generatedId;
    const event: InputEvent = { id: request.part === 0 ? id : `${id}.${request.part}`, type: type ?? '', tenantId: options.tenant ?? 'default', occurredAt: occurredAt ?? '', data: {} };
    for (const field of ENVELOPE_FIELDS) {
      const v = field === 'tenantId' && options.tenant !== undefined ? undefined : text(mapping[field], field);
      if (v !== undefined) event[field] = v;
    }
    const actorKind = text(mapping.actorKind, 'actorKind', 'actor.kind');
    if (actorKind !== undefined) {
      const actorId = text(mapping.actorId, 'actorId', 'actor.id');
      event.actor = actorId === undefined ? { kind: actorKind } : { kind: actorKind, id: actorId };
    }
    const identities: NonNullable<InputEvent['identities']> = [];
    (mapping.identities ?? []).forEach((identity, k) => {
      const v = text(identity.value, `identities[${k}].value`, `identities.${identities.length}.value`);
      if (v !== undefined) identities.push({ type: identity.type, value: v, ...(identity.verified === undefined ? {} : { verified: identity.verified }) });
    });
    if (identities.length > 0) event.identities = identities;
    const dataSources: [Record<string, ValueSpec> | undefined, string][] = [
      [mapping.data, 'data'],
      [mapping.dataByType?.[event.type], `dataByType.${event.type}`],
      [request.data?.fields, request.data?.path ?? ''],
    ];
    for (const [fields, path] of dataSources) {
      for (const [name, spec] of Object.entries(fields ?? {})) {
        const v = value(spec, `${path}.${name}`, `data.${name}`);
        if (v !== undefined) event.data[name] = v;
        else delete event.data[name];
      }
    }
    if (problems.length > 0) return { problems };
    const parsed = parseEvent(event);
    if (parsed.success) return { event };
    return {
      problems: parsed.error.issues.map((issue) => {
        const column = columns.get(issue.path) ?? columns.get(issue.path.split('.').slice(0, 2).join('.'));
        return { field: issue.path || '(event)', ...(column === undefined ? {} : { column }), reason: issue.message };
      }),
    };
  };
}
