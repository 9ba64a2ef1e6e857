// A server-sent-events follower for Node (what the page's EventSource does, by hand): it reconnects after a
// dropped connection and sends the last id it got, so the server resumes where it left off.

/** One parsed `update` of the dashboard's stream. */
export interface StreamUpdate {
  id: string | undefined;
  reset?: boolean;
  events: { position: string }[];
}

/** A running follower: `stop()` ends it. */
export interface Follower {
  stop(): void;
  /** How many times it connected (1 + reconnects). */
  connections(): number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Follows `<baseUrl>events` until stopped, calling `onUpdate` for every update, reconnecting after `retryMs`. */
export function followDashboard(baseUrl: string, onUpdate: (u: StreamUpdate) => void, retryMs = 200): Follower {
  const abort = new AbortController();
  let lastId: string | undefined;
  let connections = 0;
  void (async () => {
    while (!abort.signal.aborted) {
      try {
        const res = await fetch(`${baseUrl}events`, { headers: lastId === undefined ? {} : { 'last-event-id': lastId }, signal: abort.signal });
        connections++;
        const reader = res.body!.getReader();
        const decoder = new TextDecoder();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let event = 'message';
            let id: string | undefined;
            const data: string[] = [];
            for (const line of block.split('\n')) {
              const colon = line.indexOf(':');
              const field = colon < 0 ? line : line.slice(0, colon);
              const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
              if (field === 'event') event = value;
              else if (field === 'id') id = value;
              else if (field === 'data') data.push(value);
            }
            if (id !== undefined) lastId = id;
            if (event === 'update') onUpdate({ ...(JSON.parse(data.join('\n')) as Omit<StreamUpdate, 'id'>), id });
          }
        }
      } catch {
        // refused or dropped: try again below, unless stopped
      }
      if (!abort.signal.aborted) await sleep(retryMs);
    }
  })();
  return { stop: () => abort.abort(), connections: () => connections };
}
