/**
 * LISTEN/NOTIFY wake-ups for subscriptions. Notifications only shorten the wait: they are lost while a
 * connection is down, and a notified event may not be readable yet (an older transaction is still open),
 * so subscriptions also poll. One listening connection per store, opened while a subscription waits.
 */
import pg from 'pg';
import type { Pool } from 'pg';

/** Wakes subscriptions of this process when any process appended to the schema. */
export interface Wakeups {
  /** Resolves at the next notification, after `timeoutMs`, or when `signal` fires, whichever comes first; answers which. */
  wait(timeoutMs: number, signal: { onStop(listener: () => void): () => void }): Promise<'notified' | 'timeout' | 'stopped'>;
  /**
   * Tells every listener that something was appended: this process's at once, other processes' through a
   * NOTIFY, throttled to one per `notifyIntervalMs` (the first at once, the last after the interval).
   */
  announce(): void;
  /** Closes the listening connection. */
  close(): Promise<void>;
}

/** Options of {@link createWakeups}. */
export interface WakeupsOptions {
  pool: Pool;
  /** How to open a dedicated connection for LISTEN. */
  connect: () => pg.Client;
  channel: string;
  /** Delay before reopening a lost listening connection. */
  reconnectDelayMs: number;
  /** Least time between two NOTIFYs of this store (a busy writer would otherwise send one per append). */
  notifyIntervalMs: number;
}

/** Creates the wake-up hub of a store. */
export function createWakeups(options: WakeupsOptions): Wakeups {
  const waiters = new Set<() => void>();
  let client: pg.Client | undefined;
  let connecting: Promise<void> | undefined;
  let closed = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let announcing = false;
  let announceAgain = false;
  let notifyTimer: NodeJS.Timeout | undefined;

  const wakeAll = () => {
    for (const wake of [...waiters]) wake();
  };

  const listen = (): void => {
    if (closed || client !== undefined || connecting !== undefined || waiters.size === 0) return;
    const c = options.connect();
    let gone = false;
    const lost = () => {
      if (gone) return;
      gone = true;
      if (client === c) client = undefined;
      c.removeAllListeners('notification');
      c.end().catch(() => undefined);
      // Anything appended while we were not listening is found by the next read.
      wakeAll();
      if (!closed && retryTimer === undefined) {
        retryTimer = setTimeout(() => {
          retryTimer = undefined;
          listen();
        }, options.reconnectDelayMs);
      }
    };
    c.on('error', lost);
    c.on('end', lost);
    c.on('notification', wakeAll);
    connecting = c
      .connect()
      .then(() => c.query(`LISTEN "${options.channel}"`))
      .then(
        () => {
          if (closed) {
            void c.end().catch(() => undefined);
            return;
          }
          client = c;
          // Appends made while we connected sent notifications we did not hear.
          wakeAll();
        },
        () => lost(),
      )
      .finally(() => {
        connecting = undefined;
      });
  };

  return {
    wait(timeoutMs, signal) {
      return new Promise((resolve) => {
        let timer: NodeJS.Timeout | undefined;
        let removeStop: (() => void) | undefined;
        const done = (why: 'notified' | 'timeout' | 'stopped') => {
          waiters.delete(onNotify);
          clearTimeout(timer);
          removeStop?.();
          resolve(why);
        };
        const onNotify = () => done('notified');
        waiters.add(onNotify);
        timer = setTimeout(() => done('timeout'), timeoutMs);
        removeStop = signal.onStop(() => done('stopped'));
        listen();
      });
    },
    announce() {
      if (closed) return;
      wakeAll();
      if (announcing) {
        announceAgain = true;
        return;
      }
      announcing = true;
      // After the commit, outside the appending transaction: a NOTIFY inside it would take a database-wide
      // lock through the commit and serialize every appending transaction's commit.
      const send = (): void => {
        announceAgain = false;
        const sent = Date.now();
        const next = () => {
          if (!announceAgain || closed) {
            announcing = false;
            return;
          }
          notifyTimer = setTimeout(send, Math.max(0, options.notifyIntervalMs - (Date.now() - sent)));
        };
        // Its own small transaction, committed without waiting for a WAL flush: a notification lost in a
        // crash costs nothing (polling covers it), a flush per notification would cost a disk write. A lost
        // notification is covered by polling too.
        options.pool.query(`SET LOCAL synchronous_commit = off; NOTIFY "${options.channel}"`).then(next, next);
      };
      send();
    },
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      clearTimeout(notifyTimer);
      wakeAll();
      await connecting?.catch(() => undefined);
      const c = client;
      client = undefined;
      if (c !== undefined) {
        c.removeAllListeners('end');
        c.removeAllListeners('notification');
        await c.end().catch(() => undefined);
      }
    },
  };
}
