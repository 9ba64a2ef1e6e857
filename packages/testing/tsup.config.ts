import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tsup.library';

// The runner-free kit and the vitest suites are two entries (shared chunks, CJS included), so importing the
// kit never loads vitest.
export default defineConfig({ ...libraryBuild, entry: ['src/index.ts', 'src/vitest.ts'], splitting: true, external: ['vitest'] });
