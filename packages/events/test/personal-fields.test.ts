// The personal fields of the catalog (docs/privacy.md) and the rule that a rejection never quotes one.
import { z } from 'zod';
import { CATALOG_EVENT_TYPES, catalogDataSchemas, createEventRegistry, defineEventType, parseEvent, PERSONAL_FIELDS } from '@omnitrail/events';
import { describe, expect, it } from 'vitest';

const base = { id: 'e1', tenantId: 't1', customerId: 'c1', occurredAt: '2026-01-01T00:00:00Z', channel: 'email' };

describe('PERSONAL_FIELDS', () => {
  it('names only fields of the catalog types, each a string, a record or identities in the schema', () => {
    for (const [type, fields] of Object.entries(PERSONAL_FIELDS)) {
      expect(CATALOG_EVENT_TYPES).toContain(type);
      const shape = (catalogDataSchemas[type as keyof typeof catalogDataSchemas] as unknown as { shape?: Record<string, unknown> }).shape
        ?? (catalogDataSchemas[type as keyof typeof catalogDataSchemas] as unknown as { def: { in: { shape: Record<string, unknown> } } }).def.in?.shape;
      for (const { field } of fields!) expect(Object.keys(shape ?? {}), `${type}.${field}`).toContain(field);
    }
  });
});

describe('rejections and personal values', () => {
  const Callback = defineEventType({ type: 'Host.Callback', data: z.object({ phone: z.string().regex(/^\+\d+$/), kind: z.enum(['a', 'b']) }) });
  const registry = createEventRegistry([Callback]);

  it('quotes a short wrong value of an ordinary field, never one of a personal field', () => {
    const parsed = parseEvent({ ...base, type: 'Host.Callback', data: { phone: '06 12', kind: 'zz' } }, { registry });
    expect(parsed.success).toBe(false);
    const messages = parsed.error!.issues.map((i) => `${i.path}: ${i.message}`).join('\n');
    expect(messages).toContain('data.kind');
    expect(messages).toContain('"zz"');
    expect(messages).toContain('data.phone');
    expect(messages).not.toContain('06 12');
    expect(parsed.error!.message).not.toContain('06 12');
  });

  it('never quotes an identity value', () => {
    const parsed = parseEvent({ ...base, type: 'MessageReceived', identities: [{ type: 'email', value: 42 }], data: {} });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.message).not.toContain('42');
  });
});
