export * from './model/index.js';
export * from './report/types.js';
export * from './replay/index.js';
export * from './engine/index.js';
