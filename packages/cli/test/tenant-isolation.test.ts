// Tenant isolation through the CLI (issue 22): `omnitrail replay --tenant` and `omnitrail journey --tenant`
// over a file holding two tenants with the same customer ids, case ids and identities give exactly what they
// give over a file holding that tenant alone; and `import --store` keeps each tenant in streams of its own.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tenantJourneysArbitrary, type RawEvent } from '@omnitrail/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { streamNameOf } from '../src/store/index.js';
import { run, tempDir } from './helpers.js';

const A = 'acme';
const B = 'acme.eu-1';
const window = ['--as-of', '2027-01-01T00:00:00Z', '--from', '2020-01-01T00:00:00Z', '--to', '2027-01-01T00:00:00Z'];
const ndjson = (events: readonly RawEvent[]) => events.map((e) => JSON.stringify(e)).join('\n') + '\n';

const twoTenants = fc
  .tuple(tenantJourneysArbitrary({ tenants: [A], customers: { min: 1, max: 3 } }), tenantJourneysArbitrary({ tenants: [A], customers: { min: 1, max: 3 } }))
  .map(([a, b]) => {
    const eventsOfB = b.events.map((e) => ({ ...e, id: `eu-${e.id}`, tenantId: B }));
    return { a: a.events, b: eventsOfB, mixed: [...a.events, ...eventsOfB].sort((x, y) => (x.id < y.id ? -1 : 1)) };
  });

async function json(argv: string[]): Promise<Record<string, unknown>> {
  const r = await run(argv);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe('tenant isolation through the CLI', () => {
  it('replay --tenant and journey --tenant answer over a shared file as over the tenant’s own (property)', async () => {
    await fc.assert(
      fc.asyncProperty(twoTenants, async ({ a, b, mixed }) => {
        const dir = tempDir();
        const files = { mixed: join(dir, 'mixed.ndjson'), [A]: join(dir, 'a.ndjson'), [B]: join(dir, 'b.ndjson') };
        writeFileSync(files.mixed, ndjson(mixed));
        writeFileSync(files[A], ndjson(a));
        writeFileSync(files[B], ndjson(b));
        for (const [tenant, own] of [
          [A, a],
          [B, b],
        ] as const) {
          const shared = await json(['replay', '--tenant', tenant, ...window, files.mixed]);
          const alone = await json(['replay', '--tenant', tenant, ...window, files[tenant]!]);
          // Only the input section counts the other tenant's lines; the tenant sections are the same.
          expect(Object.keys(shared.tenants as object)).toEqual([tenant]);
          expect(shared.tenants).toEqual(alone.tenants);
          // Every customer of either tenant, asked of this one: the same journey, or the same "not found".
          for (const customer of [...new Set([...a, ...b].map((e) => e.customerId).filter((c): c is string => c !== undefined))]) {
            const fromShared = await run(['journey', customer, '--tenant', tenant, '--as-of', '2027-01-01T00:00:00Z', '--json', files.mixed]);
            const fromOwn = await run(['journey', customer, '--tenant', tenant, '--as-of', '2027-01-01T00:00:00Z', '--json', files[tenant]!]);
            expect(fromShared.code).toBe(fromOwn.code);
            expect(fromShared.stdout).toBe(fromOwn.stdout);
            if (!own.some((e) => e.customerId === customer)) expect(fromShared.stdout).not.toContain(`"${customer}"`);
          }
        }
      }),
      { numRuns: 4, seed: 22 },
    );
  });

  it('import --store puts a tenant whose id holds a dot in streams of its own', () => {
    expect(streamNameOf({ tenantId: 'acme', customerId: 'eu.c1', id: 'x1' })).toBe('customer-acme.eu.c1');
    expect(streamNameOf({ tenantId: 'acme.eu', customerId: 'c1', id: 'x2' })).toBe('customer-acme%2Eeu.c1');
    expect(streamNameOf({ tenantId: 'shop', customerId: 'c1', id: 'x3' })).toBe('customer-shop.c1');
  });
});
