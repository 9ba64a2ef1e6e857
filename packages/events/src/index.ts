export * from './channels/index.js';
export * from './instant/index.js';
export * from './identity/index.js';
export * from './catalog/index.js';
export * from './envelope/index.js';
export * from './registry/index.js';
export * from './parse/index.js';
export * from './ids/index.js';
