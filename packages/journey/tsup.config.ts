import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tsup.library';

// Two entries sharing chunks (splitting, in CJS too): one copy of each module whichever entry loads it.
export default defineConfig({ ...libraryBuild, entry: ['src/index.ts', 'src/internal.ts'], splitting: true });
