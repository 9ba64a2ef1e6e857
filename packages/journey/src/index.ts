export * from './model/index.js';
export * from './report/types.js';
