import { readCsvTable } from '../csv/parse.js';
import type { InputEvent } from '../types.js';

/** Options of the Twitter customer-support importer. */
export interface TwcsOptions {
  /** Tenant of the events (default `twcs`). */
  tenant?: string;
}

const MONTHS: Record<string, string> = {
  Jan: '01', Feb: '02', Mar: '03', Apr: '04', May: '05', Jun: '06',
  Jul: '07', Aug: '08', Sep: '09', Oct: '10', Nov: '11', Dec: '12',
};

/** `Tue Oct 31 22:10:47 +0000 2017` (strftime `%a %b %d %H:%M:%S %z %Y`) as RFC 3339 with its offset. */
export function twitterTimeToIso(text: string): string {
  const m = /^\w{3} (\w{3}) (\d{2}) (\d{2}:\d{2}:\d{2}) ([+-])(\d{2})(\d{2}) (\d{4})$/.exec(text.trim());
  const month = m ? MONTHS[m[1]!] : undefined;
  if (!m || !month) throw new SyntaxError(`"${text}" is not a Twitter created_at time`);
  return `${m[7]}-${month}-${m[2]}T${m[3]}${m[4]}${m[5]}:${m[6]}`;
}

interface Tweet {
  id: string;
  author: string;
  inbound: boolean;
  at: string;
  text: string;
  parent: string | undefined;
}

/**
 * Converts the "Customer Support on Twitter" CSV into events. A thread is a chain of
 * `in_response_to_tweet_id` links; a thread whose root is a customer tweet (inbound, replying to nothing)
 * is one case, `tw-<root tweet id>`, opened implicitly by that tweet. Customer tweets are
 * `MessageReceived` (actor customer, customer = author), brand tweets are public agent replies
 * (`MessageSent`, actor agent = the brand). Tweets of other threads keep no case. See docs/import.md.
 */
export function importTwcs(text: string, options: TwcsOptions = {}): { events: InputEvent[]; skipped: number } {
  const tenantId = options.tenant ?? 'twcs';
  const { rows } = readCsvTable(text);
  const tweets = new Map<string, Tweet>();
  for (const { values: v } of rows) {
    if (!v.tweet_id) continue;
    tweets.set(v.tweet_id, {
      id: v.tweet_id,
      author: v.author_id ?? '',
      inbound: (v.inbound ?? '').toLowerCase() === 'true',
      at: twitterTimeToIso(v.created_at ?? ''),
      text: v.text ?? '',
      parent: v.in_response_to_tweet_id ? v.in_response_to_tweet_id.replace(/\.0$/, '') : undefined,
    });
  }
  // Root and depth of each tweet, memoised; a parent missing from the file leaves the thread rootless.
  const rootOf = new Map<string, { root: Tweet | undefined; depth: number }>();
  const resolve = (tweet: Tweet): { root: Tweet | undefined; depth: number } => {
    const chain: Tweet[] = [];
    let t: Tweet | undefined = tweet;
    let found: { root: Tweet | undefined; depth: number } | undefined;
    const guard = new Set<string>();
    while (t && !found) {
      const known = rootOf.get(t.id);
      if (known) {
        found = known;
        break;
      }
      if (guard.has(t.id)) break;
      guard.add(t.id);
      chain.push(t);
      if (t.parent === undefined) {
        found = { root: t, depth: 0 };
        chain.pop();
        rootOf.set(t.id, found);
        break;
      }
      t = tweets.get(t.parent);
    }
    if (!found) found = { root: undefined, depth: 0 };
    for (let i = chain.length - 1, d = found.depth + 1; i >= 0; i--, d++) rootOf.set(chain[i]!.id, { root: found.root, depth: d });
    return rootOf.get(tweet.id)!;
  };
  const nearestCustomer = (tweet: Tweet): string | undefined => {
    for (let t: Tweet | undefined = tweet; t; t = t.parent ? tweets.get(t.parent) : undefined) if (t.inbound) return t.author;
    // Brand replies start with the customer's handle.
    return /^@(\w+)/.exec(tweet.text)?.[1];
  };
  const events: InputEvent[] = [];
  let skipped = 0;
  for (const tweet of tweets.values()) {
    const { root, depth } = resolve(tweet);
    const caseRoot = root && root.inbound ? root : undefined;
    const customerId = caseRoot ? caseRoot.author : nearestCustomer(tweet);
    if (!customerId) {
      skipped++;
      continue;
    }
    // The thread depth in the id keeps replies after what they answer when both share a second.
    const id = `tw-${String(depth).padStart(3, '0')}-${tweet.id}`;
    const common = {
      id,
      tenantId,
      occurredAt: tweet.at,
      channel: 'social_public',
      ...(caseRoot ? { caseId: `tw-${caseRoot.id}` } : {}),
      source: { system: 'twitter', externalId: tweet.id },
    };
    if (tweet.inbound) {
      events.push({
        ...common,
        type: 'MessageReceived',
        customerId: tweet.author,
        actor: { kind: 'customer', id: tweet.author },
        data: { text: tweet.text, threadRef: `tw-${root ? root.id : tweet.id}`, public: true },
      });
    } else {
      events.push({
        ...common,
        type: 'MessageSent',
        customerId,
        actor: { kind: 'agent', id: tweet.author },
        data: { senderKind: 'agent', text: tweet.text, public: true },
      });
    }
  }
  return { events, skipped };
}
