/**
 * The fuzz inputs (issue 22): seeded fast-check arbitraries mixing valid events, mutated valid events and
 * garbage, for each target of the campaign. Input `i` of a target is drawn from the seed and `i` alone
 * (chunks of 500 values, each chunk with its own seed), so any finding is replayed from its index.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CATALOG_EVENT_TYPES } from '@omnitrail/events';
import { anyEventArbitrary, mixSeed, type RawEvent } from '@omnitrail/testing';
import fc from 'fast-check';

const CHUNK = 500;

/** Input `index` of an arbitrary under a seed: the same index always gives the same value. */
export function createInputSource<T>(arbitrary: fc.Arbitrary<T>, seed: number): (index: number) => T {
  let chunk = -1;
  let values: T[] = [];
  return (index) => {
    const c = Math.floor(index / CHUNK);
    if (c !== chunk) {
      values = fc.sample(arbitrary, { seed: mixSeed(seed, c), numRuns: CHUNK });
      chunk = c;
    }
    return values[index % CHUNK]!;
  };
}

// Values no valid event holds, some not even JSON: what a host's bug or a hostile webhook can hand over.
const nasty: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, undefined, Number.NaN, Number.POSITIVE_INFINITY, -0, Number.MAX_SAFE_INTEGER + 2, 1e308, -1e-320, '', ' ', '\u0000', '\ud800', '𝔘'),
  fc.constantFrom('2024-02-30T10:00:00Z', '2024-01-01T23:59:60Z', '2024-01-01T10:00:00+24:00', '0000-01-01T00:00:00Z', '+275760-09-13T00:00:01Z', '2024-01-01', '1e3', 'T'),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty'),
  fc.string({ unit: 'binary', maxLength: 40 }),
  // Long strings are rare: they cost the generator more than the code under test.
  fc.oneof({ weight: 9, arbitrary: fc.string({ maxLength: 300 }) }, { weight: 1, arbitrary: fc.string({ minLength: 5000, maxLength: 20_000, unit: fc.constantFrom('a', 'é', '\n', '"') }) }),
  fc.bigInt(),
  fc.date({ noInvalidDate: false }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }),
  fc.dictionary(fc.constantFrom('__proto__', 'type', 'value', 'id', 'a'), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
  fc.constant(Object.create(null) as unknown),
  fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true, withBoxedValues: true, maxDepth: 2 }),
);

/** Every path of a JSON object down to `depth`, as key lists. */
function pathsOf(value: unknown, depth: number, prefix: string[] = []): string[][] {
  if (depth === 0 || value === null || typeof value !== 'object') return [];
  const out: string[][] = [];
  for (const key of Object.keys(value)) {
    const path = [...prefix, key];
    out.push(path, ...pathsOf((value as Record<string, unknown>)[key], depth - 1, path));
  }
  return out;
}

function parentOf(root: Record<string, unknown>, path: readonly string[]): Record<string, unknown> | undefined {
  let node: unknown = root;
  for (const key of path.slice(0, -1)) {
    node = (node as Record<string, unknown>)[key];
    if (node === null || typeof node !== 'object') return undefined;
  }
  return node as Record<string, unknown>;
}

type Mutation =
  | { kind: 'delete'; pick: number }
  | { kind: 'set'; pick: number; value: unknown }
  | { kind: 'add'; pick: number; key: string; value: unknown }
  | { kind: 'type'; type: string }
  | { kind: 'cycle'; pick: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('set' as const), pick: fc.nat(), value: nasty }) },
  fc.record({ kind: fc.constant('add' as const), pick: fc.nat(), key: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'schemaVersion', 'constructor')), value: nasty }),
  fc.record({ kind: fc.constant('type' as const), type: fc.oneof(fc.constantFrom(...CATALOG_EVENT_TYPES), fc.string({ maxLength: 12 })) }),
  fc.record({ kind: fc.constant('cycle' as const), pick: fc.nat() }),
);

/** A valid event with one to three mutations: a field deleted, set to a nasty value, added, a type swapped, a cycle. */
function mutate(event: RawEvent, mutations: readonly Mutation[]): unknown {
  const root = structuredClone(event) as unknown as Record<string, unknown>;
  // Only the copy's own objects are changed: the nasty values are shared between inputs of a chunk.
  const own = new Set<object>();
  const collect = (v: unknown) => {
    if (v === null || typeof v !== 'object' || own.has(v)) return;
    own.add(v);
    for (const child of Object.values(v)) collect(child);
  };
  collect(root);
  for (const m of mutations) {
    if (m.kind === 'type') {
      root.type = m.type;
      continue;
    }
    const paths = pathsOf(root, 3);
    if (paths.length === 0) continue;
    const path = paths[m.pick % paths.length]!;
    const parent = parentOf(root, path);
    if (parent === undefined || !own.has(parent)) continue;
    const key = path.at(-1)!;
    if (m.kind === 'delete') delete parent[key];
    // defineProperty, so a '__proto__' key is an own property, as JSON.parse makes it.
    else if (m.kind === 'set') Object.defineProperty(parent, key, { value: m.value, enumerable: true, writable: true, configurable: true });
    else if (m.kind === 'add') {
      const target = (own.has(parent[key] as object) ? parent[key] : parent) as Record<string, unknown>;
      Object.defineProperty(target, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
    } else parent[key] = root;
  }
  return root;
}

/** The kind of an input, for the figures: valid, mutated or garbage. */
export type InputKind = 'valid' | 'mutated' | 'garbage';

/** One event-shaped input of any kind. */
export const eventInput: fc.Arbitrary<{ kind: InputKind; value: unknown }> = fc.oneof(
  { weight: 3, arbitrary: anyEventArbitrary.map((value) => ({ kind: 'valid' as const, value: value as unknown })) },
  { weight: 5, arbitrary: fc.tuple(anyEventArbitrary, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([e, ms]) => ({ kind: 'mutated' as const, value: mutate(e, ms) })) },
  { weight: 2, arbitrary: nasty.map((value) => ({ kind: 'garbage' as const, value })) },
);

/** Text that a JSON line may hold: a value's JSON (when it has one), cut short, or noise. */
function lineOf(value: unknown, cut: number, noise: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  if (text === undefined) return noise;
  if (cut % 7 === 0) return text.slice(0, cut % Math.max(1, text.length));
  if (cut % 11 === 0) return `${text}${noise}`;
  return text;
}

/** One NDJSON document: its bytes, how they arrive (chunk sizes) and the reader's block size. */
export interface NdjsonInput {
  kind: InputKind;
  bytes: Buffer;
  chunkSizes: number[];
  blockBytes: number;
}

export const ndjsonInput: fc.Arbitrary<NdjsonInput> = fc
  .record({
    lines: fc.array(fc.tuple(eventInput, fc.nat(1000), fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom('\n', '\n', '\r\n', '\n\n', '\r', '\n  \t\n')), { maxLength: 8 }),
    bom: fc.boolean(),
    garbage: fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }) }),
    gzipMagic: fc.boolean(),
    chunkSizes: fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 6 }),
    blockBytes: fc.integer({ min: 1, max: 512 }),
  })
  .map(({ lines, bom, garbage, gzipMagic, chunkSizes, blockBytes }) => {
    if (garbage !== null) {
      // Raw bytes, sometimes behind the gzip magic number: the reader must then fail cleanly on a corrupt stream.
      const head = gzipMagic ? Buffer.from([0x1f, 0x8b]) : Buffer.alloc(0);
      return { kind: 'garbage' as const, bytes: Buffer.concat([head, Buffer.from(garbage)]), chunkSizes, blockBytes };
    }
    const text = lines.map(([input, cut, noise, end]) => `${lineOf(input.value, cut, noise)}${end}`).join('');
    const kind: InputKind = lines.every(([input]) => input.kind === 'valid') ? 'valid' : 'mutated';
    return { kind, bytes: Buffer.from(`${bom ? '\ufeff' : ''}${text}`, 'utf8'), chunkSizes, blockBytes };
  });

// The CSV templates: the CLI's import fixtures, a mapping file and its CSV each.
const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'import');
const templates = ['orders-eu', 'helpdesk-audit'].map((name) => ({
  mapping: JSON.parse(readFileSync(join(fixtures, `${name}.mapping.json`), 'utf8')) as Record<string, unknown>,
  csv: readFileSync(join(fixtures, `${name}.csv`), 'utf8'),
}));

/** One CSV import: the mapping file's text and the CSV text. */
export interface CsvInput {
  kind: InputKind;
  mappingText: string;
  csv: string;
}

const csvEdit = fc.record({ at: fc.nat(), remove: fc.nat(6), insert: fc.oneof(fc.constantFrom('"', ';', ',', '\n', '\r\n', '""', '\ufeff', '?'), fc.string({ maxLength: 6 })) });

function editText(text: string, edits: readonly { at: number; remove: number; insert: string }[]): string {
  let out = text;
  for (const e of edits) {
    const at = e.at % (out.length + 1);
    out = out.slice(0, at) + e.insert + out.slice(at + e.remove);
  }
  return out;
}

/** A template's rows shuffled and repeated, with random cells replaced by other cells or noise. */
function rowsOf(csv: string, picks: readonly number[], cells: readonly string[]): string {
  const lines = csv.replace(/\r?\n$/, '').split('\n');
  const [header, ...rows] = lines;
  if (rows.length === 0) return csv;
  const out = picks.map((p, i) => {
    const row = rows[p % rows.length]!;
    return cells.length > 0 && i % 2 === 1 ? row.replace(/[^;,]+$/, cells[i % cells.length]!) : row;
  });
  return `${header}\n${out.join('\n')}\n`;
}

/** A mapping file's text: the mapping's JSON, or text that is not JSON when it has none (a cycle, a bigint…). */
export function mappingText(mapping: unknown): string {
  try {
    return JSON.stringify(mapping) ?? 'undefined';
  } catch {
    // String() of an object without a prototype throws too.
    return `{not json: ${typeof mapping}`;
  }
}

export const csvInput: fc.Arbitrary<CsvInput> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .record({ template: fc.nat(templates.length - 1), picks: fc.array(fc.nat(), { maxLength: 12 }), cells: fc.array(fc.string({ maxLength: 10 }), { maxLength: 4 }) })
      .map(({ template, picks, cells }) => ({ kind: 'valid' as const, mappingText: JSON.stringify(templates[template]!.mapping), csv: rowsOf(templates[template]!.csv, picks, cells) })),
  },
  {
    weight: 5,
    arbitrary: fc
      .record({ template: fc.nat(templates.length - 1), mutations: fc.array(mutation, { maxLength: 3 }), edits: fc.array(csvEdit, { maxLength: 4 }), mappingEdits: fc.array(csvEdit, { maxLength: 1 }) })
      .map(({ template, mutations, edits, mappingEdits }) => {
        const t = templates[template]!;
        const mapped = mutations.length === 0 ? t.mapping : mutate(t.mapping as unknown as RawEvent, mutations);
        return { kind: 'mutated' as const, mappingText: editText(mappingText(mapped), mappingEdits), csv: editText(t.csv, edits) };
      }),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({ mapping: fc.oneof(nasty.map(mappingText), fc.string({ maxLength: 60 })), csv: fc.string({ unit: 'binary', maxLength: 200 }) })
      .map(({ mapping, csv }) => ({ kind: 'garbage' as const, mappingText: mapping, csv })),
  },
);

/** One record() call: an event or a batch of them, of any kind. */
export const recordInput: fc.Arbitrary<{ kind: InputKind; value: unknown }> = fc.oneof(
  { weight: 3, arbitrary: eventInput },
  {
    weight: 1,
    arbitrary: fc.array(eventInput, { minLength: 1, maxLength: 5 }).map((list) => ({
      kind: list.every((i) => i.kind === 'valid') ? ('valid' as const) : ('mutated' as const),
      value: list.map((i) => i.value),
    })),
  },
);
