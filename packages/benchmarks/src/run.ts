import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { addFigures, reportedFigures, writeResults, type Figure } from './harness/index.js';

// Every `*.bench.ts` in this folder exports `run()`. `pnpm bench -- name` runs only those whose file name
// contains `name`. Each file runs in a process of its own: one benchmark's resident heap and the type
// feedback it leaves in shared code (the live engine and the batch fold share their rules) must not
// change another's figures.
const here = dirname(fileURLToPath(import.meta.url));
const self = fileURLToPath(import.meta.url);
const child = process.env.OMNITRAIL_BENCH_CHILD;

if (child !== undefined) {
  const mod = (await import(pathToFileURL(join(here, child)).href)) as { run: () => Promise<void> };
  await mod.run();
  writeFileSync(process.env.OMNITRAIL_BENCH_FIGURES!, JSON.stringify(reportedFigures()));
} else {
  const only = process.argv.slice(2).filter((a) => a !== '--');
  const files = readdirSync(here)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
    .sort();
  const scratch = mkdtempSync(join(tmpdir(), 'omnitrail-bench-figures-'));
  let failed = 0;
  try {
    for (const file of files) {
      console.log(`\n## ${file.replace('.bench.ts', '')}`);
      const out = join(scratch, `${file}.json`);
      const r = spawnSync(process.execPath, [...process.execArgv, self], {
        stdio: ['ignore', 'inherit', 'inherit'],
        env: { ...process.env, OMNITRAIL_BENCH_CHILD: file, OMNITRAIL_BENCH_FIGURES: out },
      });
      if (r.status !== 0) {
        failed++;
        console.log(`  ${file} failed (exit ${r.status ?? r.signal})`);
        continue;
      }
      addFigures(JSON.parse(readFileSync(out, 'utf8')) as Figure[]);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const written = writeResults(join(here, '..', '..', '..', 'bench-results'));
  console.log(`\nwrote ${written.markdown} and ${written.json}`);
  if (failed > 0) process.exitCode = 1;
}
