/**
 * `@omnitrail/journey`: identity resolution, the standard projections (cases, journey map, customer 360,
 * churn signals and health, metrics), `replayReport` (batch) and `createJourneyEngine` (live).
 */
export * from './model/index.js';
export * from './report/types.js';
export * from './config/index.js';
export * from './stats/index.js';
export * from './identity/index.js';
export * from './cases/index.js';
export * from './customers/index.js';
export * from './journey-map/index.js';
export * from './customer-profile/index.js';
export * from './churn/index.js';
export * from './metrics/index.js';
export * from './replay/index.js';
export * from './engine/index.js';
