import { describe } from 'vitest';
import { crashTest } from './fixtures/crash-harness.js';

describe('file store survives kill -9 (fsync batch)', () => {
  crashTest('batch', 16, 28);
});
