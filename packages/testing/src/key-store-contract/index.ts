/**
 * The key-store contract suite: what every `KeyStore` (in memory, in a file store's directory, in
 * PostgreSQL) does. Call {@link keyStoreContract} from a vitest test file with a factory for fresh stores.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { KeyStore } from '@omnitrail/eventstore';

/** A fresh, empty key store, how to open the same storage again (durable stores) and clean up. */
export interface ContractKeyStoreHandle {
  store: KeyStore;
  /** Opens the same storage again; the suite closes the previous store first. */
  reopen?: () => Promise<KeyStore> | KeyStore;
  cleanup?: () => Promise<void> | void;
}

/** Makes a fresh, empty key store for one test. */
export type ContractKeyStoreFactory = () => Promise<ContractKeyStoreHandle> | ContractKeyStoreHandle;

const hex = (key: Uint8Array | undefined) => (key === undefined ? undefined : Buffer.from(key).toString('hex'));

/** Defines the key-store contract's tests for one adapter. */
export function keyStoreContract(name: string, factory: ContractKeyStoreFactory, options: { propertyRuns?: number } = {}): void {
  describe(`key store contract: ${name}`, () => {
    const opened: ContractKeyStoreHandle[] = [];
    let current: KeyStore[] = [];
    const fresh = async () => {
      const handle = await factory();
      opened.push(handle);
      current.push(handle.store);
      return handle;
    };
    afterEach(async () => {
      for (const store of current) await store.close();
      for (const handle of opened.splice(0)) await handle.cleanup?.();
      current = [];
    });

    it('creates a 32-byte customer key on demand and hands back the same key afterwards', async () => {
      const { store } = await fresh();
      expect(await store.customerKey('t1', 'c1')).toBeUndefined();
      const key = await store.customerKey('t1', 'c1', { create: true });
      expect(key).toBeInstanceOf(Uint8Array);
      expect(key!.length).toBe(32);
      expect(hex(await store.customerKey('t1', 'c1'))).toBe(hex(key));
      expect(hex(await store.customerKey('t1', 'c1', { create: true }))).toBe(hex(key));
      expect(await store.customerIds('t1')).toEqual(['c1']);
    });

    it('keeps customers and tenants apart: distinct keys, a per-tenant secret', async () => {
      const { store } = await fresh();
      const a = await store.customerKey('t1', 'c1', { create: true });
      const b = await store.customerKey('t1', 'c2', { create: true });
      const c = await store.customerKey('t2', 'c1', { create: true });
      expect(new Set([hex(a), hex(b), hex(c)]).size).toBe(3);
      const s1 = await store.tenantSecret('t1');
      expect(s1.length).toBe(32);
      expect(hex(await store.tenantSecret('t1'))).toBe(hex(s1));
      expect(hex(await store.tenantSecret('t2'))).not.toBe(hex(s1));
      expect(await store.customerIds('t2')).toEqual(['c1']);
      expect(await store.customerIds('t3')).toEqual([]);
    });

    it('deletes a key for good: a key created again is a different one', async () => {
      const { store } = await fresh();
      const key = await store.customerKey('t1', 'c1', { create: true });
      await store.customerKey('t1', 'c2', { create: true });
      expect(await store.deleteCustomerKey('t1', 'c1')).toBe(true);
      expect(await store.deleteCustomerKey('t1', 'c1')).toBe(false);
      expect(await store.deleteCustomerKey('t9', 'c1')).toBe(false);
      expect(await store.customerKey('t1', 'c1')).toBeUndefined();
      expect(await store.customerIds('t1')).toEqual(['c2']);
      const again = await store.customerKey('t1', 'c1', { create: true });
      expect(hex(again)).not.toBe(hex(key));
    });

    it('takes ids that are property names of plain objects as ordinary ids', async () => {
      const { store } = await fresh();
      const key = await store.customerKey('__proto__', 'constructor', { create: true });
      expect(hex(await store.customerKey('__proto__', 'constructor'))).toBe(hex(key));
      expect(await store.customerKey('t1', 'toString')).toBeUndefined();
      expect(await store.customerIds('__proto__')).toEqual(['constructor']);
    });

    it('refuses an empty tenant or customer id, naming it', async () => {
      const { store } = await fresh();
      await expect(store.customerKey('', 'c1', { create: true })).rejects.toThrow(/tenantId/);
      await expect(store.customerKey('t1', '', { create: true })).rejects.toThrow(/customerId/);
      await expect(store.tenantSecret('')).rejects.toThrow(/tenantId/);
    });

    it('refuses calls after close', async () => {
      const { store } = await fresh();
      await store.close();
      await expect(store.customerKey('t1', 'c1', { create: true })).rejects.toThrow(/closed/);
    });

    it('matches a model under any sequence of creates and deletes, and keeps it across a reopen', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.record({ op: fc.constantFrom('create', 'delete', 'get'), tenant: fc.constantFrom('t1', 't2'), customer: fc.constantFrom('a', 'b', 'c') }), { maxLength: 25 }),
          async (ops) => {
            const handle = await fresh();
            let store = handle.store;
            const model = new Map<string, string>();
            for (const { op, tenant, customer } of ops) {
              const id = `${tenant}/${customer}`;
              if (op === 'create') {
                const key = hex(await store.customerKey(tenant, customer, { create: true }))!;
                if (model.has(id)) expect(key).toBe(model.get(id));
                model.set(id, key);
              } else if (op === 'delete') {
                expect(await store.deleteCustomerKey(tenant, customer)).toBe(model.delete(id));
              } else expect(hex(await store.customerKey(tenant, customer))).toBe(model.get(id));
            }
            if (handle.reopen) {
              await store.close();
              store = await handle.reopen();
              current.push(store);
            }
            for (const tenant of ['t1', 't2']) {
              const expected = [...model.keys()].filter((k) => k.startsWith(`${tenant}/`)).map((k) => k.slice(tenant.length + 1)).sort();
              expect(await store.customerIds(tenant)).toEqual(expected);
              for (const customer of expected) expect(hex(await store.customerKey(tenant, customer))).toBe(model.get(`${tenant}/${customer}`));
            }
          },
        ),
        { numRuns: options.propertyRuns ?? 30 },
      );
    });
  });
}
