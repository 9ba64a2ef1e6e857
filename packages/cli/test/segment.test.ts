// omnitrail segment: the customers matching every filter, as a table, CSV or JSON, with usage errors (exit 2)
// for bad filters. Health with the default signals, computed by hand below.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ev, ndjson, run, tempDir } from './helpers.js';

const at = (day: number, hour = 10) => `2024-03-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00:00Z`;
const e = (customerId: string, occurredAt: string, type: string, channel: string, data: Record<string, unknown>) =>
  ev({ customerId, occurredAt, type, channel, caseId: undefined, actor: { kind: 'customer' }, data });

function inputFile(): string {
  const dir = tempDir();
  const path = join(dir, 'events.ndjson');
  writeFileSync(
    path,
    ndjson([
      // ann: csat 1, nps 0 and a cancellation at asOf (each 0: weights 2, 3, 3) and an order without return
      // (returns_cancellations 100, weight 1): 100 / 9, red; stage purchase
      e('ann', at(1, 9), 'CustomerIdentified', 'web', { identities: [{ type: 'email', value: 'Ann@Example.com' }, { type: 'phone', value: '+33 6 12 34 56 78' }] }),
      e('ann', at(1), 'OrderPlaced', 'web', { orderId: 'o1', salesChannel: 'web', amount: 100, currency: 'EUR' }),
      e('ann', at(10), 'SurveyAnswered', 'email', { kind: 'csat', score: 1 }),
      e('ann', at(10), 'SurveyAnswered', 'email', { kind: 'nps', score: 0 }),
      e('ann', at(10), 'SubscriptionCancelled', 'web', {}),
      // bob: csat 1 (0, weight 2) and nps 10 (100, weight 3): 60, yellow; a text message makes him consider
      e('bob', at(10), 'MessageReceived', 'sms', { text: 'hello, "quick" question' }),
      e('bob', at(10), 'SurveyAnswered', 'email', { kind: 'csat', score: 1 }),
      e('bob', at(10), 'SurveyAnswered', 'email', { kind: 'nps', score: 10 }),
      // "cat, jr": a product page and nps 10 on March 1: 100, green, consideration, inactive 9 days
      e('cat, jr', at(1), 'PageViewed', 'web', { url: '/p/1', pageKind: 'product' }),
      e('cat, jr', at(1), 'SurveyAnswered', 'email', { kind: 'nps', score: 10 }),
    ]),
  );
  return path;
}

describe('omnitrail segment', () => {
  const path = inputFile();

  it('--band red --csv: the header and one line per customer, lists joined with "; "', async () => {
    const r = await run(['segment', path, '--band', 'red', '--csv', '--as-of', '2024-03-10T10:00:00Z']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      'tenantId,customerId,band,score,stage,lastSeenAt,value,signals,emails,phones\r\n' +
        `t1,ann,red,${String(100 / 9)},purchase,2024-03-10T10:00:00.000Z,100 EUR,cancel_intent; nps_detractor; low_csat,ann@example.com,+33612345678\r\n`,
    );
  });

  it('quotes a CSV field with a comma; without filters every customer, by score', async () => {
    const r = await run(['segment', path, '--csv']);
    const lines = r.stdout.trimEnd().split('\r\n');
    expect(lines.map((l) => l.split(',')[1])).toEqual(['customerId', 'ann', 'bob', '"cat']);
    expect(lines[3]).toBe('t1,"cat, jr",green,100,consideration,2024-03-01T10:00:00.000Z,,,,');
  });

  it('--json: the instant and the customers with every field', async () => {
    const r = await run(['segment', path, '--band', 'yellow', '--json', '--as-of', '2024-03-10T10:00:00Z']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      asOf: '2024-03-10T10:00:00.000Z',
      customers: [{ tenantId: 't1', customerId: 'bob', score: 60, band: 'yellow', stage: 'consideration', lastSeenAt: '2024-03-10T10:00:00.000Z', value: {}, signals: ['low_csat'], emails: [], phones: [] }],
    });
  });

  it('filters by stage, inactivity, channel and all of them together; --as-of judges at an earlier instant', async () => {
    const ids = async (...args: string[]) => {
      const r = await run(['segment', path, '--json', ...args]);
      expect(r.code).toBe(0);
      return (JSON.parse(r.stdout) as { customers: { customerId: string }[] }).customers.map((c) => c.customerId);
    };
    expect(await ids('--stage', 'consideration')).toEqual(['bob', 'cat, jr']);
    expect(await ids('--stage', 'purchase')).toEqual(['ann']);
    expect(await ids('--inactive-days', '9')).toEqual(['cat, jr']); // 9 days and 1 ms
    expect(await ids('--inactive-days', '10')).toEqual([]);
    expect(await ids('--channel', 'sms')).toEqual(['bob']);
    expect(await ids('--channel', 'web', '--band', 'green', '--stage', 'consideration', '--inactive-days', '5')).toEqual(['cat, jr']);
    // on March 5 only ann and "cat, jr" were seen; ann had an order and nothing else: green
    expect(await ids('--as-of', '2024-03-05', '--band', 'green')).toEqual(['ann', 'cat, jr']);
    expect(await ids('--tenant', 'other')).toEqual([]);
  });

  it('prints an aligned table by default', async () => {
    const r = await run(['segment', path, '--band', 'red']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('1 customer as of 2024-03-10T10:00:00.001Z');
    expect(lines[1]).toMatch(/^tenantId\s+customerId\s+band\s+score\s+stage/);
    // 1 ms after the answers, nps (half-life 90 d) has decayed less than the cancellation (30 d): it pulls more
    expect(lines[3]).toMatch(/^t1\s+ann\s+red\s+11\.1\s+purchase\s+2024-03-10T10:00:00\.000Z\s+100 EUR\s+nps_detractor; cancel_intent; low_csat\s+ann@example\.com\s+\+33612345678$/);
  });

  it.each([
    [['--band', 'purple'], '--band must be red, yellow or green, got "purple"'],
    [['--stage', 'loyal'], '--stage must be one of awareness, consideration, purchase, post_sale_support, got "loyal"'],
    [['--channel', 'fax'], '--channel "fax" is not a known channel'],
    [['--inactive-days', 'ten'], '--inactive-days must be a non-negative integer, got "ten"'],
    [['--csv', '--json'], 'give --csv or --json, not both'],
    [['--as-of', 'yesterday'], '--as-of "yesterday"'],
  ])('%j is a usage error (exit 2) that names the option', async (args, message) => {
    const r = await run(['segment', path, ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`omnitrail: ${message}`);
    expect(r.stderr).toContain('Usage: omnitrail segment <input...>');
    expect(r.stdout).toBe('');
  });

  it('needs an input', async () => {
    const r = await run(['segment', '--band', 'red']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('missing input');
  });
});
