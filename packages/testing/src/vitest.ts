/**
 * `@omnitrail/testing/vitest`: the suites that define vitest `describe`/`it` blocks (vitest is an optional
 * peer dependency, loaded only through this entry): the store contract every adapter passes, and the
 * invariant suite of the journey reports. Call them at the top level of a vitest test file.
 */
export {
  collect,
  eventStoreContract,
  type ContractStoreFactory,
  type ContractStoreHandle,
  type EventStoreCapabilities,
  type EventStoreContractOptions,
} from './eventstore-contract/index.js';
export { keyStoreContract, type ContractKeyStoreFactory, type ContractKeyStoreHandle } from './key-store-contract/index.js';
export { journeyInvariants } from './invariants/index.js';
