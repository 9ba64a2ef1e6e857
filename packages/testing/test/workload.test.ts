import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseEvent } from '@omnitrail/events';
import { generateWorkload, toNdjson, type RawEvent } from '../src/index.js';

const hash = (chunks: Iterable<string>) => {
  const h = createHash('sha256');
  for (const c of chunks) h.update(c);
  return h.digest('hex');
};

describe('generateWorkload', () => {
  const options = { seed: 42, customers: 200, events: 20_000 };

  it('gives the same bytes for the same seed, other bytes for another seed', () => {
    const a = hash(toNdjson(generateWorkload(options)));
    expect(hash(toNdjson(generateWorkload(options)))).toBe(a);
    expect(hash(toNdjson(generateWorkload({ ...options, seed: 43 })))).not.toBe(a);
  });

  it('yields exactly the requested number of valid events with unique ids', () => {
    const ids = new Set<string>();
    let n = 0;
    for (const e of generateWorkload({ ...options, tenants: 3 })) {
      n++;
      ids.add(e.id);
      const r = parseEvent(e);
      if (!r.success) throw new Error(`${JSON.stringify(e)}: ${r.error.message}`);
    }
    expect(n).toBe(20_000);
    expect(ids.size).toBe(20_000);
  });

  it('has realistic proportions and about 230 bytes per NDJSON line', () => {
    const counts: Record<string, number> = {};
    const customers = new Set<string>();
    let bytes = 0;
    let n = 0;
    for (const chunk of toNdjson(generateWorkload(options))) bytes += Buffer.byteLength(chunk);
    for (const e of generateWorkload(options) as Iterable<RawEvent>) {
      n++;
      counts[e.type] = (counts[e.type] ?? 0) + 1;
      if (e.customerId) customers.add(e.customerId);
    }
    const share = (t: string) => (counts[t] ?? 0) / n;
    const avg = bytes / n;
    expect(avg).toBeGreaterThan(150);
    expect(avg).toBeLessThan(350);
    // Conversations dominate: customer messages and replies.
    expect(share('MessageReceived')).toBeGreaterThan(0.08);
    expect(share('MessageSent')).toBeGreaterThan(0.08);
    expect(share('MessageReceived') + share('MessageSent')).toBeGreaterThan(0.2);
    for (const t of ['PageViewed', 'SessionStarted', 'CaseResolved', 'OrderPlaced', 'SurveySent', 'SurveyAnswered', 'CaseOpened', 'CaseEscalated', 'CaseReopened']) {
      expect(share(t), t).toBeGreaterThan(0.001);
    }
    expect(share('CustomerChurned')).toBeLessThan(0.01);
    expect(customers.size).toBeGreaterThan(180);
  });

  it('streams: the first event comes before the whole workload is generated', () => {
    const it = generateWorkload({ seed: 1, customers: 1_000_000, events: 100_000_000 });
    expect(it.next().done).toBe(false);
  });
});
