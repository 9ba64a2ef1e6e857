/** The conditional checkpoint rule shared by every adapter. */
import { InvalidArgumentError } from '../errors/index.js';
import type { CheckpointStoreResult } from '../port/index.js';

/** Throws `InvalidArgumentError` unless the subscriber id is a non-empty string (≤ 256 chars) and the position a bigint ≥ 0. */
export function validateCheckpointArgs(subscriberId: unknown, position: unknown): void {
  if (typeof subscriberId !== 'string' || subscriberId.length === 0 || subscriberId.length > 256) {
    throw new InvalidArgumentError('subscriberId', 'expected a non-empty string of at most 256 characters');
  }
  if (typeof position !== 'bigint' || position < 0n) {
    throw new InvalidArgumentError('position', `expected a bigint position >= 0n, got ${String(position)}`);
  }
}

/**
 * Decides a conditional checkpoint move. `ignored` when the stored position is already at or past
 * `position` (a replayed or late update); otherwise `mismatch` when the caller passed `expected` and it is
 * not the stored position (another worker moved it); otherwise `stored`. Without an `expected` key in the
 * options the move is unconditional (but still never backwards).
 */
export function decideCheckpoint(
  current: bigint | undefined,
  position: bigint,
  options: { expected?: bigint | undefined } | undefined,
): CheckpointStoreResult {
  if (current !== undefined && current >= position) return 'ignored';
  if (options !== undefined && 'expected' in options && options.expected !== current) return 'mismatch';
  return 'stored';
}
