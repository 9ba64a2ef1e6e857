// docs/catalog.md is the event catalog in the project's own pages: every type, its data fields, which are
// required, their kinds and defaults. It is generated from the zod schemas, and this test fails when the
// page and the schemas differ. After a deliberate change: `OMNITRAIL_WRITE_CATALOG=1 pnpm exec vitest run
// catalog-doc`, then review the diff.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CASE_EVENT_TYPES, CATALOG_EVENT_TYPES, catalogDataSchemas, CHANNELS } from '../src/index.js';

const page = fileURLToPath(new URL('../../../docs/catalog.md', import.meta.url));

interface ZodLike {
  _zod: { def: { type: string; innerType?: ZodLike; defaultValue?: unknown; entries?: Record<string, string>; element?: ZodLike; shape?: Record<string, ZodLike>; values?: unknown[]; in?: ZodLike } };
  shape?: Record<string, ZodLike>;
}

/** A field's kind in words: `text`, `one of a, b`, `list of …`, with nested objects spelled out. */
function kindOf(schema: ZodLike): string {
  const def = schema._zod.def;
  switch (def.type) {
    case 'optional':
    case 'nullable':
      return kindOf(def.innerType!);
    case 'default':
      return `${kindOf(def.innerType!)}, default ${JSON.stringify(typeof def.defaultValue === 'function' ? (def.defaultValue as () => unknown)() : def.defaultValue)}`;
    case 'string':
      return 'text';
    case 'number':
      return 'number';
    case 'int':
      return 'integer';
    case 'boolean':
      return 'true or false';
    case 'enum': {
      const values = Object.values(def.entries ?? {});
      return values.length === CHANNELS.length && values.every((v) => (CHANNELS as readonly string[]).includes(v)) ? 'a channel' : `one of ${values.map((v) => `\`${v}\``).join(', ')}`;
    }
    case 'literal':
      return `\`${JSON.stringify(def.values?.[0])}\``;
    case 'array':
      return `list of ${kindOf(def.element!)}`;
    case 'object': {
      const shape = def.shape ?? schema.shape ?? {};
      return `object { ${Object.entries(shape).map(([k, f]) => `${k}${isOptional(f) ? '?' : ''}: ${kindOf(f)}`).join('; ')} }`;
    }
    case 'pipe':
      return kindOf(def.in!);
    case 'record':
      return 'object of JSON values';
    default:
      return 'a value (see its rule)';
  }
}

function isOptional(schema: ZodLike): boolean {
  const t = schema._zod.def.type;
  return t === 'optional' || t === 'default';
}

function renderCatalog(): string {
  const lines = [
    '# Event catalog',
    '',
    'Every event type Omnitrail knows, with its `data` fields: required ones must be present, optional ones',
    '(marked `?`) may be left out, and a default is what parsing fills in when a field is absent. This page is',
    'generated from the zod schemas in `packages/events/src/catalog` and checked by',
    '`packages/events/test/catalog-doc.test.ts`; the rules across fields (a snooze needs its end, a survey score',
    'in its kind\'s range…) are enforced by `parseEvent`, whose errors name the field and the reason.',
    '',
    '## The envelope',
    '',
    'Every event carries: `id` (1-128 characters of `A-Z a-z 0-9 _ . : -`, unique across tenants; the engine',
    'makes one when absent), `type` (a type below, or a host type registered with `createEventRegistry`),',
    '`schemaVersion` (default 1; older versions are upcast), `tenantId`, `occurredAt` (RFC 3339 with an offset,',
    'normalised to UTC milliseconds), `customerId` and/or `identities` (an event needs a customer id or at',
    'least one usable identity: `email`, `phone`, `user_id`, `device_id` or another type), `channel` (one of',
    `${CHANNELS.map((c) => `\`${c}\``).join(', ')}),`,
    '`caseId` (required by the case event types), `actor` (`{ kind, id? }`, kind one of customer, agent, bot,',
    'automation, system; default `{ kind: "system" }`), `correlationId`, `causationId`, `source`',
    '(`{ system, externalId }`) and `data` (an object, `{}` when empty). Unknown fields are dropped, not errors.',
    '',
    '## Types',
    '',
    '| type | case event | data fields |',
    '|---|---|---|',
  ];
  for (const type of CATALOG_EVENT_TYPES) {
    const schema = (catalogDataSchemas as unknown as Record<string, ZodLike>)[type]!;
    const shape = schema._zod.def.shape ?? schema.shape ?? {};
    const fields = Object.entries(shape).map(([k, f]) => `\`${k}${isOptional(f) ? '?' : ''}\`: ${kindOf(f)}`);
    lines.push(`| \`${type}\` | ${(CASE_EVENT_TYPES as readonly string[]).includes(type) ? 'yes' : ''} | ${fields.length === 0 ? '(none)' : fields.join('<br>').replace(/\|/g, '\\|')} |`);
  }
  lines.push('');
  return lines.join('\n');
}

describe('docs/catalog.md', () => {
  it('is the catalog the schemas define (every type, its fields, required or not)', () => {
    const rendered = renderCatalog();
    if (process.env.OMNITRAIL_WRITE_CATALOG === '1') writeFileSync(page, rendered);
    expect(readFileSync(page, 'utf8')).toBe(rendered);
    for (const type of CATALOG_EVENT_TYPES) expect(rendered).toContain(`| \`${type}\` |`);
  });
});
