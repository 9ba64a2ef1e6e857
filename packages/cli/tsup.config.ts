import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tsup.library';

// index and internal: the programmatic API and the building blocks (ESM + CJS, shared chunks). bin and
// worker: ESM only; the worker is its own file so the replay can start it with
// `new Worker(new URL('./worker.js', import.meta.url))`.
export default defineConfig([
  { ...libraryBuild, entry: { index: 'src/index.ts', internal: 'src/internal.ts' }, shims: true, splitting: true },
  {
    entry: { bin: 'src/bin.ts', worker: 'src/worker.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    splitting: false,
  },
]);
