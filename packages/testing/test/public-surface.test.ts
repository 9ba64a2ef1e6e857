// The public surface of every package, locked: docs/api.md lists each entry point's exports with one line
// each (the first sentence of its TSDoc), and this test fails when an entry exports a name the page does not
// list, or the page lists one the entry no longer exports, or an export has no TSDoc. After a deliberate
// change, regenerate the page with `OMNITRAIL_WRITE_API=1 pnpm exec vitest run public-surface` and review
// the diff. (TanStack Query locks its public types with a type test; this reads them with the compiler.)
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const apiPage = `${root}docs/api.md`;

/** Every entry point a package's `exports` names, with what it is for. */
const ENTRIES: readonly { specifier: string; file: string; about: string }[] = [
  { specifier: '@omnitrail/events', file: 'packages/events/src/index.ts', about: 'the envelope, channels, identities, instants, the catalog and its registry, parsing, the event order and the redelivery rule' },
  { specifier: '@omnitrail/eventstore', file: 'packages/eventstore/src/index.ts', about: 'the storage port, its errors, the in-memory and file adapters' },
  { specifier: '@omnitrail/eventstore/adapter', file: 'packages/eventstore/src/adapter.ts', about: 'for adapter writers: the shared validation and decisions, filters, subscriptions, id tables' },
  { specifier: '@omnitrail/eventstore-esdb', file: 'packages/eventstore-esdb/src/index.ts', about: 'the EventStoreDB adapter, its storage format, and the in-process fake server' },
  { specifier: '@omnitrail/eventstore-postgres', file: 'packages/eventstore-postgres/src/index.ts', about: 'the PostgreSQL adapter, and a throwaway PostgreSQL cluster for tests, examples and benchmarks' },
  { specifier: '@omnitrail/journey', file: 'packages/journey/src/index.ts', about: 'the live engine, the batch replay, host projections, configuration, queries and report types' },
  { specifier: '@omnitrail/journey/internal', file: 'packages/journey/src/internal.ts', about: 'for the CLI, shards, benchmarks and tests; no stability promise' },
  { specifier: '@omnitrail/testing', file: 'packages/testing/src/index.ts', about: 'arbitraries, the workload generator, projection specs and property helpers, usable from any test runner' },
  { specifier: '@omnitrail/testing/vitest', file: 'packages/testing/src/vitest.ts', about: 'the suites that define vitest tests: the store contract and the journey invariants' },
  { specifier: '@omnitrail/workload', file: 'packages/workload/src/index.ts', about: 'the seeded workload generator: realistic omnichannel journeys as raw events and NDJSON, with no test-runner dependency' },
  { specifier: '@omnitrail/cli', file: 'packages/cli/src/index.ts', about: 'the command line and its programmatic API' },
  { specifier: '@omnitrail/cli/internal', file: 'packages/cli/src/internal.ts', about: 'the CLI\'s building blocks, for benchmarks and tests; no stability promise' },
];

interface Exported {
  name: string;
  kind: string;
  doc: string;
}

function kindOf(symbol: ts.Symbol): string {
  const f = symbol.flags;
  if (f & ts.SymbolFlags.Class) return 'class';
  if (f & ts.SymbolFlags.Function) return 'function';
  if (f & ts.SymbolFlags.Variable) return 'const';
  if (f & ts.SymbolFlags.Interface) return 'interface';
  if (f & ts.SymbolFlags.TypeAlias) return 'type';
  if (f & ts.SymbolFlags.Enum) return 'enum';
  return 'other';
}

/** The first sentence of a doc comment, on one line, without link markup. */
function firstSentence(text: string): string {
  const flat = text.replace(/\{@link\s+([^}|\s]+)(?:[\s|][^}]*)?\}/g, '`$1`').replace(/\s+/g, ' ').trim();
  const end = flat.search(/\.(\s|$)/);
  return (end < 0 ? flat : flat.slice(0, end + 1)).replace(/\|/g, '\\|');
}

function surface(): Map<string, Exported[]> {
  const program = ts.createProgram(
    ENTRIES.map((e) => `${root}${e.file}`),
    { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, target: ts.ScriptTarget.ES2022, strict: true, skipLibCheck: true, noEmit: true, types: ['node'] },
  );
  const checker = program.getTypeChecker();
  const out = new Map<string, Exported[]>();
  for (const entry of ENTRIES) {
    const file = program.getSourceFile(`${root}${entry.file}`)!;
    const moduleSymbol = checker.getSymbolAtLocation(file)!;
    const names = checker.getExportsOfModule(moduleSymbol).map((s): Exported => {
      const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
      return { name: s.getName(), kind: kindOf(target), doc: firstSentence(ts.displayPartsToString(target.getDocumentationComment(checker))) };
    });
    out.set(entry.specifier, names.sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : a.name.toLowerCase() > b.name.toLowerCase() ? 1 : 0)));
  }
  return out;
}

function renderPage(all: Map<string, Exported[]>): string {
  const lines = [
    '# Public API',
    '',
    'Every name each package exports, entry point by entry point, with the first sentence of its TSDoc. The',
    'main entry of a package is its public API; a subpath says what it is for. The page is generated from the',
    'sources and checked by `packages/testing/test/public-surface.test.ts`: a name added or removed without',
    'this page changing fails the tests. Regenerate it with `OMNITRAIL_WRITE_API=1 pnpm exec vitest run',
    'public-surface` and review the diff.',
    '',
  ];
  for (const entry of ENTRIES) {
    const names = all.get(entry.specifier)!;
    lines.push(`## \`${entry.specifier}\``, '', `${entry.about[0]!.toUpperCase()}${entry.about.slice(1)} (${names.length} names).`, '', '| name | kind | what it is |', '|---|---|---|');
    for (const n of names) lines.push(`| \`${n.name}\` | ${n.kind} | ${n.doc} |`);
    lines.push('');
  }
  return lines.join('\n');
}

/** The names the page lists per entry point. */
function listedNames(page: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of page.split('\n')) {
    const heading = /^## `([^`]+)`/.exec(line);
    if (heading) out.set(heading[1]!, (current = []));
    const row = /^\| `([^`]+)` \|/.exec(line);
    if (row && current) current.push(row[1]!);
  }
  return out;
}

describe('the public surface (docs/api.md)', () => {
  const all = surface();
  if (process.env.OMNITRAIL_WRITE_API === '1') writeFileSync(apiPage, renderPage(all));
  const listed = listedNames(readFileSync(apiPage, 'utf8'));

  for (const entry of ENTRIES) {
    it(`${entry.specifier} exports exactly the names docs/api.md lists`, () => {
      const actual = all.get(entry.specifier)!.map((n) => n.name).sort();
      expect(actual).toEqual([...(listed.get(entry.specifier) ?? [])].sort());
    });
    it(`${entry.specifier}: every export has a TSDoc comment`, () => {
      expect(all.get(entry.specifier)!.filter((n) => n.doc === '').map((n) => n.name)).toEqual([]);
    });
  }

  it('the page is the one the sources give (descriptions included)', () => {
    expect(readFileSync(apiPage, 'utf8')).toBe(renderPage(all));
  });
});
