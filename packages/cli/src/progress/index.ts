/** A terminal stream the bar is drawn on (standard error when it is a TTY). */
export interface ProgressSink {
  write(text: string): unknown;
  columns?: number;
}

/** A progress bar for one input: bytes read out of the total when known, and events per second. */
export interface ProgressBar {
  /** Adds raw bytes read. */
  advance: (bytes: number) => void;
  /** Sets the number of events accepted so far. */
  events: (count: number) => void;
  /** Draws the final state and ends the line. */
  done: () => void;
}

const REDRAW_MS = 100;

/** Formats a byte count for people (`12.3 MB`). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/**
 * Draws on `sink` at most every 100 ms, rewriting one line with `\r`, so the bar costs nothing measurable
 * even at a million events per second.
 */
export function createProgressBar(sink: ProgressSink, options: { label: string; total?: number | undefined; now?: () => number }): ProgressBar {
  const now = options.now ?? (() => performance.now());
  const started = now();
  let bytes = 0;
  let count = 0;
  let lastDraw = 0;
  const draw = (final: boolean) => {
    const t = now();
    if (!final && t - lastDraw < REDRAW_MS) return;
    lastDraw = t;
    const seconds = Math.max((t - started) / 1000, 1e-3);
    const rate = Math.round(count / seconds).toLocaleString('en-US');
    const width = Math.max(10, Math.min(40, (sink.columns ?? 80) - 60));
    let bar = '';
    if (options.total !== undefined && options.total > 0) {
      const fraction = Math.min(1, bytes / options.total);
      const filled = Math.round(fraction * width);
      bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${formatBytes(bytes)}/${formatBytes(options.total)}`;
    } else {
      bar = formatBytes(bytes);
    }
    sink.write(`\r${options.label.slice(-20)} ${bar} ${count.toLocaleString('en-US')} events ${rate}/s\x1b[K${final ? '\n' : ''}`);
  };
  return {
    advance: (n) => {
      bytes += n;
      draw(false);
    },
    events: (n) => {
      count = n;
      draw(false);
    },
    done: () => draw(true),
  };
}
