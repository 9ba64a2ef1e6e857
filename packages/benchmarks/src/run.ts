import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeResults } from './harness/index.js';

// Every `*.bench.ts` in this folder exports `run()`. `pnpm bench -- name` runs only those whose file name contains `name`.
const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2).filter((a) => a !== '--');
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

for (const file of files) {
  console.log(`\n## ${file.replace('.bench.ts', '')}`);
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { run: () => Promise<void> };
  await mod.run();
}
const out = writeResults(join(here, '..', '..', '..', 'bench-results'));
console.log(`\nwrote ${out.markdown} and ${out.json}`);
