import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInMemoryEventStore, openFileEventStore, type FsyncMode } from '@omnitrail/eventstore';
import { eventStoreContract } from '@omnitrail/testing/vitest';

eventStoreContract('in-memory', () => ({ store: createInMemoryEventStore() }), { capabilities: { idUniqueness: 'store' } });

for (const fsync of ['always', 'batch'] as FsyncMode[]) {
  eventStoreContract(
    `file (fsync ${fsync})`,
    async () => {
      const directory = mkdtempSync(join(tmpdir(), 'omnitrail-contract-'));
      // A small segment size so that the suite also crosses segment boundaries.
      const open = () => openFileEventStore({ directory, fsync, segmentSize: 64 * 1024 });
      return {
        store: await open(),
        reopen: open,
        cleanup: () => rmSync(directory, { recursive: true, force: true }),
      };
    },
    { propertyRuns: 15, capabilities: { idUniqueness: 'store' } },
  );
}

// The persisted index on every close and every few appends (indexInterval of 1 byte): reopen cases then open
// from it, and reads verify the records it covers.
eventStoreContract(
  'file (persisted index written often)',
  async () => {
    const directory = mkdtempSync(join(tmpdir(), 'omnitrail-contract-index-'));
    const open = () => openFileEventStore({ directory, fsync: 'batch', segmentSize: 64 * 1024, indexInterval: 1 });
    return {
      store: await open(),
      reopen: open,
      cleanup: () => rmSync(directory, { recursive: true, force: true }),
    };
  },
  { propertyRuns: 15, capabilities: { idUniqueness: 'store' } },
);
