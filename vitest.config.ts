import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string, entry = 'index') => fileURLToPath(new URL(`./packages/${pkg}/src/${entry}.ts`, import.meta.url));

// Tests run against the sources, not the builds, so a change is tested without rebuilding.
export default defineConfig({
  resolve: {
    // Subpaths first: an alias matches a prefix, so '@omnitrail/journey' would also catch '/internal'.
    alias: {
      '@omnitrail/journey/internal': src('journey', 'internal'),
      '@omnitrail/eventstore/adapter': src('eventstore', 'adapter'),
      '@omnitrail/cli/internal': src('cli', 'internal'),
      '@omnitrail/testing/vitest': src('testing', 'vitest'),
      '@omnitrail/eventstore': src('eventstore'),
      '@omnitrail/eventstore-esdb': src('eventstore-esdb'),
      '@omnitrail/eventstore-postgres': src('eventstore-postgres'),
      '@omnitrail/events': src('events'),
      '@omnitrail/journey': src('journey'),
      '@omnitrail/testing': src('testing'),
      '@omnitrail/workload': src('workload'),
      '@omnitrail/cli': src('cli'),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    typecheck: { enabled: true, include: ['packages/*/test/**/*.test-d.ts'] },
  },
});
