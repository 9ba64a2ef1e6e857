/** The `recordedAt` clock: ISO-8601 UTC strings with milliseconds. */

/** Appends in one synchronous burst that may share one clock reading. */
const MAX_SHARED_READINGS = 64;

/**
 * Returns a function producing the current time as an ISO string. Events recorded within the same
 * millisecond share one string, which saves a string per event in the in-memory store. Reading the clock
 * costs about as much as the rest of a small append, so one reading is reused by at most 64 calls made in
 * the same macrotask (a burst of awaited appends takes well under a millisecond for 64); the next
 * macrotask, or the 65th call, reads the clock again.
 */
export function createRecordedAtClock(now: () => number = Date.now): () => string {
  let lastMs = Number.NaN;
  let lastIso = '';
  let uses = MAX_SHARED_READINGS;
  let expiryScheduled = false;
  const expire = () => {
    uses = MAX_SHARED_READINGS;
    expiryScheduled = false;
  };
  return () => {
    if (uses < MAX_SHARED_READINGS) {
      uses++;
      return lastIso;
    }
    const ms = now();
    if (ms !== lastMs) {
      lastMs = ms;
      lastIso = new Date(ms).toISOString();
    }
    uses = 1;
    if (!expiryScheduled) {
      expiryScheduled = true;
      setImmediate(expire);
    }
    return lastIso;
  };
}
