import { describe } from 'vitest';
import { crashTest } from './fixtures/crash-harness.js';

describe('file store survives kill -9 (fsync always)', () => {
  crashTest('always', 1, 28);
});
