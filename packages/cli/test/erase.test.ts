// omnitrail erase: deletes a customer's keys in a file store written by an engine with a key store; replay
// --store reads the personal fields back before, as erased after, with the same counts.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openFileEventStore, openFileKeyStore } from '@omnitrail/eventstore';
import { ERASED_VALUE } from '@omnitrail/events';
import { createJourneyEngine } from '@omnitrail/journey';
import { describe, expect, it } from 'vitest';
import { readStoreValues } from '@omnitrail/cli/internal';
import { ev, run, tempDir } from './helpers.js';

const SECRET = 'Dana told us her door code is 4471';

async function writeStore(directory: string): Promise<void> {
  const store = await openFileEventStore({ directory, fsync: 'none' });
  const keys = openFileKeyStore({ directory });
  const engine = createJourneyEngine({ store, keys });
  await engine.record([
    ev({ customerId: 'dana', caseId: 'k1', type: 'CaseOpened', data: { subject: 'Door code', topic: 'access' } }),
    ev({ customerId: 'dana', caseId: 'k1', occurredAt: '2024-03-01T10:05:00Z', data: { text: SECRET } }),
    ev({ customerId: 'dana', caseId: undefined, occurredAt: '2024-03-01T11:00:00Z', type: 'SurveyAnswered', data: { kind: 'csat', score: 4, comment: 'Dana liked it' } }),
    ev({ customerId: 'eli', caseId: 'k2', occurredAt: '2024-03-01T12:00:00Z', data: { text: 'Eli says hi' } }),
  ] as never);
  await engine.close();
  await keys.close();
  await store.close();
}

const strip = (report: string) => {
  const parsed = JSON.parse(report) as { tenants: Record<string, unknown> };
  return JSON.stringify(parsed.tenants, (_k, v: unknown) => (typeof v === 'string' && (v === ERASED_VALUE || v === SECRET || v.includes('Dana')) ? '<personal>' : v));
};

describe('omnitrail erase', () => {
  it('erases a customer of a file store: replay --store keeps every count, the bytes hold no personal value', async () => {
    const directory = tempDir();
    await writeStore(directory);
    const asOf = ['--as-of', '2024-03-02T00:00:00Z'];
    const before = await run(['replay', '--store', `file:${directory}`, ...asOf]);
    expect(before.code).toBe(0);
    const erased = await run(['erase', '--store', `file:${directory}`, '--tenant', 't1', 'dana']);
    expect(erased.stderr).toBe('');
    expect(erased.code).toBe(0);
    expect(JSON.parse(erased.stdout)).toMatchObject({ tenantId: 't1', customerId: 'dana', customerIds: ['dana'], keysDeleted: 1 });
    const after = await run(['replay', '--store', `file:${directory}`, ...asOf]);
    expect(after.code).toBe(0);
    expect(strip(after.stdout)).toEqual(strip(before.stdout));
    const raw = (readdirSync(directory, { recursive: true }) as string[]).filter((name) => statSync(join(directory, name)).isFile()).map((name) => readFileSync(join(directory, name)).toString('latin1')).join('\n');
    for (const value of [SECRET, 'Dana liked it', 'Door code']) expect(raw).not.toContain(value);
    // What replay --store reads: Eli's text opened with his key, Dana's as erased.
    const texts: unknown[] = [];
    for await (const value of readStoreValues(`file:${directory}`)) texts.push((value as { data: { text?: unknown } }).data.text);
    expect(texts).toContain('Eli says hi');
    expect(texts).toContain(ERASED_VALUE);
    expect(texts).not.toContain(SECRET);
  });

  it('refuses what it cannot erase, with a usage error or a message naming the store', async () => {
    expect((await run(['erase', '--tenant', 't1', 'dana'])).stderr).toMatch(/--store is required/);
    expect((await run(['erase', '--store', 'memory:', '--tenant', 't1', 'dana'])).code).toBe(2);
    expect((await run(['erase', '--store', `file:${tempDir()}`, 'dana'])).stderr).toMatch(/--tenant is required/);
    const plain = await run(['erase', '--store', `file:${tempDir()}`, '--tenant', 't1', 'dana']);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toMatch(/no keys\.json/);
  });
});
