// omnitrail import --store seals personal fields when the store keeps keys (or with --seal), the way the
// engine does: the store's bytes hold none in clear, replay --store opens them with the keys (the same report
// as the NDJSON), and omnitrail erase works on imported customers (docs/privacy.md, issue 22).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERASED_VALUE } from '@omnitrail/events';
import { describe, expect, it } from 'vitest';
import { readStoreValues } from '../src/internal.js';
import { run, tempDir } from './helpers.js';
import { DANA, OTHERS, withoutPersonal, writeMessages } from './sealed-messages.js';

/** Every file of a directory (segments, documents, keys.json), concatenated. */
function rawBytes(directory: string): string {
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => readFileSync(join(entry.parentPath, entry.name)).toString('latin1'))
    .join('\n');
}

describe('omnitrail import --store with keys', () => {
  it('seals with --seal (no personal value in the files), replays like the NDJSON, and seals later imports by itself', async () => {
    const dir = tempDir();
    const { csv, mapping } = writeMessages(dir);
    const ndjson = join(dir, 'messages.ndjson');
    expect((await run(['import', 'csv', csv, '--mapping', mapping, '--out', ndjson])).code).toBe(0);

    // Without keys and without --seal: stored as given (what the store held before this change).
    const clear = join(dir, 'clear');
    const plain = await run(['import', 'csv', csv, '--mapping', mapping, '--store', `file:${clear}`]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).not.toMatch(/sealed/);
    expect(rawBytes(clear)).toContain(DANA[0]);

    const store = join(dir, 'sealed');
    const sealed = await run(['import', 'csv', csv, '--mapping', mapping, '--store', `file:${store}`, '--seal']);
    expect(sealed.code, sealed.stderr).toBe(0);
    expect(sealed.stderr).toContain(`appended 5 events to file:${store} (personal fields sealed with keys.json in ${store})`);
    const raw = rawBytes(store);
    for (const value of [...DANA, ...OTHERS]) expect(raw).not.toContain(value);

    // replay --store opens them with keys.json: the report of the NDJSON file, byte for byte.
    const fromNdjson = await run(['replay', ndjson, '--json', '-']);
    const fromStore = await run(['replay', '--store', `file:${store}`, '--json', '-']);
    expect(fromStore.code, fromStore.stderr).toBe(0);
    expect(fromStore.stdout).toBe(fromNdjson.stdout);
    const fromClear = await run(['replay', '--store', `file:${clear}`, '--json', '-']);
    expect(fromClear.stdout).toBe(fromNdjson.stdout);

    // The store has keys now: a later import seals without being asked.
    const more = join(dir, 'more.csv');
    writeFileSync(more, `id,ts,who,email,msg,case\nmore-1,2024-03-02T09:00:00Z,gina,gina@example.org,"Gina lost her password",k3\n`);
    const moreMapping = join(dir, 'more.mapping.json');
    writeFileSync(moreMapping, JSON.stringify({ ...JSON.parse(readFileSync(mapping, 'utf8')), id: { column: 'id' } }));
    const again = await run(['import', 'csv', more, '--mapping', moreMapping, '--store', `file:${store}`]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/personal fields sealed with keys\.json/);
    expect(rawBytes(store)).not.toContain('Gina lost her password');
  });

  it('omnitrail erase works on imported customers: their values (anonymous events linked by email included) read as erased, every count stays', async () => {
    const dir = tempDir();
    const { csv, mapping } = writeMessages(dir);
    const store = join(dir, 'store');
    expect((await run(['import', 'csv', csv, '--mapping', mapping, '--store', `file:${store}`, '--seal'])).code).toBe(0);
    const before = await run(['replay', '--store', `file:${store}`, '--json', '-']);
    const erased = await run(['erase', '--store', `file:${store}`, '--tenant', 'shop', 'dana']);
    expect(erased.code, erased.stderr).toBe(0);
    // Dana's own key, and that of her anonymous event (sealed under her email's hash).
    expect(JSON.parse(erased.stdout)).toMatchObject({ tenantId: 'shop', customerId: 'dana', customerIds: ['dana'], keysDeleted: 2 });
    const after = await run(['replay', '--store', `file:${store}`, '--json', '-']);
    expect(after.code, after.stderr).toBe(0);
    expect(withoutPersonal(after.stdout)).toBe(withoutPersonal(before.stdout));
    const texts: unknown[] = [];
    for await (const value of readStoreValues(`file:${store}`)) texts.push((value as { data: { text?: unknown } }).data.text);
    expect(texts.filter((t) => t === ERASED_VALUE)).toHaveLength(3);
    expect(texts).toEqual(expect.arrayContaining([OTHERS[0], OTHERS[2]]));
    for (const value of DANA) expect(JSON.stringify(texts)).not.toContain(value);
  });

  it('refuses --seal where no key store can be kept', async () => {
    const dir = tempDir();
    const { csv, mapping } = writeMessages(dir);
    const out = await run(['import', 'csv', csv, '--mapping', mapping, '--out', join(dir, 'x.ndjson'), '--seal']);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/--seal needs --store/);
    const esdb = await run(['import', 'csv', csv, '--mapping', mapping, '--store', 'esdb://127.0.0.1:1?tls=false', '--seal']);
    expect(esdb.code).toBe(2);
    expect(esdb.stderr).toMatch(/EventStoreDB keeps no keys/);
    const reserved = await run(['import', 'csv', csv, '--mapping', mapping, '--tenant', '$snapshots', '--store', `file:${join(dir, 's')}`, '--seal']);
    expect(reserved.code).toBe(1);
    expect(reserved.stderr).toMatch(/"\$snapshots" is reserved/);
  });
});
