// What the command line says beside its output: rejected lines are summarised on standard error (the
// run still succeeds without --strict), a --tenant that names no tenant of the input is an error, and a
// closed pipe ends the command quietly.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, run, tempDir } from './helpers.js';

const line = (id: string, minute: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ id, type: 'PageViewed', tenantId: 'acme', occurredAt: new Date(Date.UTC(2024, 2, 1, 9, minute)).toISOString(), customerId: 'ann', channel: 'web', actor: { kind: 'customer' }, data: { url: '/p' }, ...extra });

describe('omnitrail replay messages', () => {
  it('summarises rejected lines and duplicates on standard error, and still exits 0', async () => {
    const dir = tempDir();
    const file = join(dir, 'events.ndjson');
    writeFileSync(file, [line('e1', 1), line('e1', 1), line('e2', 2, { channel: 'fax' }), 'not json', line('e3', 3)].join('\n') + '\n');
    const r = await run(['replay', file]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('omnitrail: 2 of 5 lines rejected, 1 duplicate: see input.rejected in the report\n');
    expect(JSON.parse(r.stdout).input).toMatchObject({ read: 5, accepted: 2, duplicates: 1 });
  });

  it('says nothing on standard error when every line is accepted', async () => {
    const dir = tempDir();
    const file = join(dir, 'events.ndjson');
    writeFileSync(file, `${line('e1', 1)}\n`);
    const r = await run(['replay', file]);
    expect([r.code, r.stderr]).toEqual([0, '']);
  });

  it('fails when --tenant names no tenant of the input', async () => {
    const dir = tempDir();
    const file = join(dir, 'events.ndjson');
    writeFileSync(file, `${line('e1', 1)}\n`);
    const r = await run(['replay', file, '--tenant', 'acme-typo']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no event of tenant "acme-typo" in the input');
    expect(JSON.parse(r.stdout).tenants).toEqual({});
    expect((await run(['replay', file, '--tenant', 'acme'])).code).toBe(0);
  });

  it('ends quietly when the reader closes the pipe early (replay | head)', () => {
    const dir = tempDir();
    const file = join(dir, 'events.ndjson');
    writeFileSync(file, Array.from({ length: 3000 }, (_, i) => line(`e${i}`, i % 600)).join('\n') + '\n');
    const bin = join(repoRoot, 'packages/cli/dist/bin.js');
    const r = spawnSync('bash', ['-c', `node ${JSON.stringify(bin)} replay ${JSON.stringify(file)} | head -c 10`], { encoding: 'utf8' });
    expect(r.stdout).toBe('{\n  "omnit');
    expect(r.stderr).toBe('');
  });
});

describe('plain messages for common mistakes', () => {
  it('names a directory given as input, and a negative count', async () => {
    const dir = tempDir();
    const r = await run(['replay', dir]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`omnitrail: input "${dir}": is a directory: give NDJSON files (or --store file:${dir} for a file store)\n`);
    const file = join(dir, 'e.ndjson');
    writeFileSync(file, `${line('e1', 1)}\n`);
    const shards = await run(['replay', file, '--shards', '-1']);
    expect(shards.code).toBe(2);
    expect(shards.stderr).toContain('--shards "-1": a value starting with "-" is read as an option');
  });
});

describe('omnitrail journey', () => {
  const events = () => {
    const dir = tempDir();
    const file = join(dir, 'events.ndjson');
    writeFileSync(
      file,
      [
        JSON.stringify({ id: 'i1', type: 'CustomerIdentified', tenantId: 'acme', occurredAt: new Date(Date.UTC(2024, 2, 1, 9, 0)).toISOString(), customerId: 'ann', actor: { kind: 'system' }, data: { identities: [{ type: 'email', value: 'Ann@Example.com' }] } }),
        line('e1', 1),
      ].join('\n') + '\n',
    );
    return file;
  };

  it('finds a customer by an identity as well as by id, and prints JSON with --json', async () => {
    const file = events();
    const byEmail = await run(['journey', 'ann@example.com', file]);
    expect(byEmail.code, byEmail.stderr).toBe(0);
    expect(byEmail.stdout).toContain('Customer ann (tenant acme)');
    const json = await run(['journey', 'ann', file, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ customerId: 'ann', tenantId: 'acme' });
  });

  it('says so and exits 1 for a customer nobody is known as', async () => {
    const r = await run(['journey', 'bob@example.com', events()]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('no customer "bob@example.com" in the input');
    const otherTenant = await run(['journey', 'ann', events(), '--tenant', 'acme-typo']);
    expect([otherTenant.code, otherTenant.stdout]).toEqual([1, '']);
    expect(otherTenant.stderr).toContain('no customer "ann" of tenant "acme-typo" in the input');
  });
});

describe('counts in messages are in the singular for one', () => {
  it('replay, import, journey and demo', async () => {
    const dir = tempDir();
    const bad = join(dir, 'bad.ndjson');
    writeFileSync(bad, 'not json\n');
    expect((await run(['replay', bad])).stderr).toBe('omnitrail: 1 of 1 line rejected: see input.rejected in the report\n');
    const csv = join(dir, 'one.csv');
    writeFileSync(csv, 'ts,who\n2024-03-01T10:00:00Z,c1\n2024-03-01T11:00:00Z,\n');
    writeFileSync(join(dir, 'm.json'), JSON.stringify({ type: 'CustomerChurned', occurredAt: { column: 'ts' }, customerId: { column: 'who' }, tenantId: 'shop' }));
    const imported = await run(['import', 'csv', csv, '--mapping', join(dir, 'm.json'), '--out', join(dir, 'one.ndjson')]);
    expect(imported.stderr).toContain(`omnitrail: wrote 1 event to ${join(dir, 'one.ndjson')}\n`);
    const strict = await run(['import', 'csv', csv, '--mapping', join(dir, 'm.json'), '--strict', '--out', join(dir, 'x.ndjson')]);
    expect([strict.code, strict.stderr]).toEqual([1, expect.stringContaining('omnitrail: --strict: 1 bad row, nothing written\n')]);
    const journey = await run(['journey', 'c1', join(dir, 'one.ndjson')]);
    expect(journey.stdout).toMatch(/^Customer c1 \(tenant shop\): .*, 1 event in 1 session\n/);
    const demo = await run(['demo', '--out', join(dir, 'demo'), '--events', '30', '--customers', '1', '--seed', '1']);
    expect(demo.code, demo.stderr).toBe(0);
    expect(demo.stdout).toMatch(/: 1 customer, /);
  });
});
