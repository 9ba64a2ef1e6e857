import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tsup.library';

// index: the programmatic API (ESM + CJS). bin and worker: ESM only; the worker is its own file so the
// replay can start it with `new Worker(new URL('./worker.js', import.meta.url))`.
export default defineConfig([
  { ...libraryBuild, entry: { index: 'src/index.ts' }, shims: true },
  {
    entry: { bin: 'src/bin.ts', worker: 'src/worker.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    splitting: false,
  },
]);
