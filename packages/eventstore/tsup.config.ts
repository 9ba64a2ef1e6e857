import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tsup.library';

// Two entries sharing chunks (splitting, in CJS too): one copy of each module, so the error classes an
// adapter throws through `./adapter` are the ones `instanceof` checks against from the main entry.
export default defineConfig({ ...libraryBuild, entry: ['src/index.ts', 'src/adapter.ts'], splitting: true });
