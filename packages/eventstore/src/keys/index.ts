/**
 * Key stores: where the keys that seal customers' personal fields live, apart from the events they seal.
 * Deleting a customer's key is what erases the customer (crypto-shredding): the log itself never changes.
 * See docs/privacy.md.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CorruptStoreError, InvalidArgumentError, StoreClosedError } from '../errors/index.js';

/** The length of every key a key store hands out, in bytes (AES-256 and HMAC-SHA-256 keys). */
export const KEY_BYTES = 32;

/**
 * The port of a key store: one data key per customer of a tenant, and one secret per tenant (the key of
 * the deterministic hashes identity matching works on). Keys are created on first use and never change;
 * a deleted customer key is gone for good (asking for it again with `create` makes a new, different key).
 */
export interface KeyStore {
  /** The customer's data key; created when missing and `create` is true, else `undefined` when missing. */
  customerKey(tenantId: string, customerId: string, options?: { create?: boolean }): Promise<Uint8Array | undefined>;
  /** Deletes the customer's data key; whether there was one. */
  deleteCustomerKey(tenantId: string, customerId: string): Promise<boolean>;
  /** The tenant's hashing secret, created on first use. */
  tenantSecret(tenantId: string): Promise<Uint8Array>;
  /** The customers of a tenant that have a key, sorted. */
  customerIds(tenantId: string): Promise<string[]>;
  /** Releases the store; later calls throw `StoreClosedError`. */
  close(): Promise<void>;
}

/** The keys of a key store as plain data (what the file key store writes). */
interface KeyTable {
  /** By tenant: the tenant's secret and its customers' keys, base64. */
  tenants: Record<string, { secret: string; customers: Record<string, string> }>;
}

function checkRef(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) throw new InvalidArgumentError(name, 'must be a non-empty string');
}

/**
 * A key store over a table in memory; after every change it awaits `persist` before answering (the file store
 * writes the table out), so a key is durable before anything is sealed with it.
 */
function createTableKeyStore(table: KeyTable, persist: (table: KeyTable) => Promise<void>, onClose: () => void = () => undefined): KeyStore {
  let closed = false;
  const open = () => {
    if (closed) throw new StoreClosedError();
  };
  // A null-prototype record, so a tenant or customer named `__proto__` is a key like any other.
  const tenantOf = async (tenantId: string, create: boolean) => {
    let tenant = Object.hasOwn(table.tenants, tenantId) ? table.tenants[tenantId] : undefined;
    if (tenant === undefined && create) {
      tenant = { secret: randomBytes(KEY_BYTES).toString('base64'), customers: Object.create(null) as Record<string, string> };
      table.tenants[tenantId] = tenant;
      await persist(table);
    }
    return tenant;
  };
  return {
    async customerKey(tenantId, customerId, options = {}) {
      open();
      checkRef('tenantId', tenantId);
      checkRef('customerId', customerId);
      const tenant = await tenantOf(tenantId, options.create === true);
      if (tenant === undefined) return undefined;
      let key = Object.hasOwn(tenant.customers, customerId) ? tenant.customers[customerId] : undefined;
      if (key === undefined) {
        if (options.create !== true) return undefined;
        key = randomBytes(KEY_BYTES).toString('base64');
        tenant.customers[customerId] = key;
        await persist(table);
      }
      return new Uint8Array(Buffer.from(key, 'base64'));
    },
    async deleteCustomerKey(tenantId, customerId) {
      open();
      checkRef('tenantId', tenantId);
      checkRef('customerId', customerId);
      const tenant = await tenantOf(tenantId, false);
      if (tenant === undefined || !Object.hasOwn(tenant.customers, customerId)) return false;
      delete tenant.customers[customerId];
      await persist(table);
      return true;
    },
    async tenantSecret(tenantId) {
      open();
      checkRef('tenantId', tenantId);
      return new Uint8Array(Buffer.from((await tenantOf(tenantId, true))!.secret, 'base64'));
    },
    async customerIds(tenantId) {
      open();
      checkRef('tenantId', tenantId);
      return Object.keys((await tenantOf(tenantId, false))?.customers ?? {}).sort();
    },
    async close() {
      if (closed) return;
      closed = true;
      onClose();
    },
  };
}

function emptyTable(): KeyTable {
  return { tenants: Object.create(null) as KeyTable['tenants'] };
}

/** Creates a key store held in memory: the default of an engine that seals personal fields without a durable key store. */
export function createInMemoryKeyStore(): KeyStore {
  return createTableKeyStore(emptyTable(), async () => undefined);
}

/** The file a file key store keeps its keys in, inside its directory. */
export const KEYS_FILE = 'keys.json';

/** Options of {@link openFileKeyStore}. */
export interface FileKeyStoreOptions {
  /** The directory (a file store's directory, typically); created when missing. */
  directory: string;
}

/**
 * Opens the key store kept in a directory (`keys.json`, next to a file store's segments). Every change
 * rewrites the whole file (write to a temporary file, fsync, rename): a deleted key is not left in an older
 * part of a file the store appends to. Keys are few (one per customer), so the rewrite stays cheap.
 */
export function openFileKeyStore(options: FileKeyStoreOptions): KeyStore {
  checkRef('directory', options?.directory);
  const directory = options.directory;
  mkdirSync(directory, { recursive: true });
  const path = join(directory, KEYS_FILE);
  let table = emptyTable();
  let text: string | undefined;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') throw error;
  }
  if (text !== undefined) {
    try {
      const parsed = JSON.parse(text) as KeyTable;
      if (parsed === null || typeof parsed !== 'object' || parsed.tenants === null || typeof parsed.tenants !== 'object') throw new Error('no tenants object');
      table = emptyTable();
      for (const [tenantId, tenant] of Object.entries(parsed.tenants)) {
        if (typeof tenant?.secret !== 'string' || tenant.customers === null || typeof tenant.customers !== 'object') throw new Error(`tenant "${tenantId}" has no secret or customers`);
        const customers = Object.create(null) as Record<string, string>;
        for (const [customerId, key] of Object.entries(tenant.customers)) {
          if (typeof key !== 'string') throw new Error(`the key of customer "${customerId}" is not a string`);
          customers[customerId] = key;
        }
        table.tenants[tenantId] = { secret: tenant.secret, customers };
      }
    } catch (error) {
      throw new CorruptStoreError(path, 0, `not a key file (${(error as Error).message})`);
    }
  }
  const write = (current: KeyTable) => {
    const temporary = `${path}.tmp`;
    const fd = openSync(temporary, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(current));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  };
  // Group commit: the changes made while a write is pending share it (a batch of new customers costs one
  // rewrite and one fsync, not one per customer); each caller answers once the write holding its change is done.
  let pending: Promise<void> | undefined;
  const persist = (current: KeyTable) =>
    (pending ??= new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        pending = undefined;
        try {
          write(current);
          resolve();
        } catch (error) {
          reject(error);
        }
      });
    }));
  return createTableKeyStore(table, persist);
}
