import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInMemoryKeyStore, KEYS_FILE, openFileKeyStore } from '@omnitrail/eventstore';
import { keyStoreContract } from '@omnitrail/testing/vitest';
import { describe, expect, it } from 'vitest';

keyStoreContract('in-memory', () => ({ store: createInMemoryKeyStore() }));

keyStoreContract(
  'file',
  () => {
    const directory = mkdtempSync(join(tmpdir(), 'omnitrail-keys-'));
    const open = () => openFileKeyStore({ directory });
    return { store: open(), reopen: open, cleanup: () => rmSync(directory, { recursive: true, force: true }) };
  },
  { propertyRuns: 15 },
);

describe('file key store', () => {
  it('leaves no trace of a deleted key in its directory', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'omnitrail-keys-'));
    try {
      const store = openFileKeyStore({ directory });
      const key = Buffer.from((await store.customerKey('t1', 'c1', { create: true }))!).toString('base64');
      expect(readFileSync(join(directory, KEYS_FILE), 'utf8')).toContain(key);
      await store.deleteCustomerKey('t1', 'c1');
      expect(readFileSync(join(directory, KEYS_FILE), 'utf8')).not.toContain(key);
      await store.close();
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('refuses a key file that is not one, naming the file', () => {
    const directory = mkdtempSync(join(tmpdir(), 'omnitrail-keys-'));
    try {
      writeFileSync(join(directory, KEYS_FILE), '{"tenants": 3}');
      expect(() => openFileKeyStore({ directory })).toThrow(/keys\.json.*not a key file/);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
