// The options of a replay, shared by the default and the sharded drivers.
import type { JourneyConfig } from '@omnitrail/journey';
import type { ProgressSink } from '../progress/index.js';
/** How inputs are read. */
export interface IngestOptions {
  /** Stop at the first invalid line with a StrictInputError. */
  strict?: boolean;
  /** Parse workers (default: one per spare core, at most 4, for inputs of 4 MB or more or standard input; 0 parses on this thread). */
  workers?: number;
  /**
   * Fold NDJSON files in this many shard worker threads, each parsing its share of the lines and folding
   * its share of the customers (see {@link replaySharded}); 0 or 1 (the default): one fold on this thread.
   * Only `replaySharded` and `replayFiles` read it.
   */
  shards?: number;
  /** Where to draw a progress bar (a TTY stream), if anywhere. */
  progress?: ProgressSink;
  /** Blocks handed to the parsers at a time; bounds memory held by raw text. */
  maxInFlight?: number;
  /**
   * Accepted events held in memory (default `DEFAULT_MAX_EVENTS_IN_MEMORY`, 1,000,000). Past it, events go to a
   * temporary spill file and the fold reads them back a window at a time, so memory grows with the
   * projections' state and compact per-event columns rather than with the input. 0 spills from the start.
   */
  maxEventsInMemory?: number;
  /** Where the spill file's private directory is made (default: the OS temp directory). */
  spillDirectory?: string;
}

/** The instants of a report, in milliseconds; each is optional (report.md gives the defaults). */
export interface ReportInstants {
  asOf?: number;
  from?: number;
  to?: number;
  tenant?: string;
  config?: Partial<JourneyConfig>;
}
