export {};
export * from './eventstore-contract/index.js';
export * from './arbitraries/index.js';
export * from './workload/index.js';
export * from './specs/index.js';
export * from './invariants/index.js';
