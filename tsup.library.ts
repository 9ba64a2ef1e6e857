import type { Options } from 'tsup';

/** How every library package builds: its `src/index.ts` as ESM and CJS with declarations, for Node 20. */
export const libraryBuild: Options = {
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
};
