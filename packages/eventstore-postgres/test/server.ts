/**
 * The throwaway PostgreSQL server of a test file. Without binaries, outside CI, the file's tests are skipped
 * with one line saying how to get them; under CI=true they run (and fail, saying why, without binaries).
 */
import { afterAll, beforeAll, describe } from 'vitest';
import { findPostgresBinaries, POSTGRES_BINARIES_HINT, startThrowawayPostgres, type ThrowawayPostgres, type ThrowawayPostgresOptions } from '@omnitrail/eventstore-postgres';

const missing = findPostgresBinaries() === undefined && process.env['CI'] !== 'true';
let warned = false;

/**
 * `describe` with a throwaway cluster started before its tests and removed after them; `server()` gives it.
 * Skipped, with the reason in its name and one line on stderr, when PostgreSQL is not installed (outside CI).
 */
export function describeWithPostgres(name: string, body: (server: () => ThrowawayPostgres) => void, options: ThrowawayPostgresOptions = {}): void {
  if (missing && !warned) {
    warned = true;
    console.warn(`PostgreSQL tests skipped: no PostgreSQL binaries; ${POSTGRES_BINARIES_HINT}.`);
  }
  describe.skipIf(missing)(missing ? `${name} (SKIPPED: no PostgreSQL binaries; ${POSTGRES_BINARIES_HINT})` : name, () => {
    let server: ThrowawayPostgres | undefined;
    beforeAll(async () => {
      server = await startThrowawayPostgres(options);
    });
    afterAll(async () => {
      await server?.stop();
    });
    body(() => {
      if (server === undefined) throw new Error('the throwaway PostgreSQL server did not start');
      return server;
    });
  });
}
