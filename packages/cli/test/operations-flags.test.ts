// `omnitrail replay --section <name>` prints one operations view; `--config <file>` passes the journey settings
// (the operational views' included), validated with a usage error that names the setting.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ev, run, tempDir } from './helpers.js';

function input(dir: string): string {
  const events = [
    ev({ type: 'MessageReceived', customerId: 'ann', caseId: 'k1', channel: 'voice', actor: { kind: 'customer' }, occurredAt: '2024-03-01T10:00:00Z', data: {} }),
    ev({ type: 'MessageReceived', customerId: 'bob', caseId: 'k2', channel: 'email', actor: { kind: 'customer' }, occurredAt: '2024-03-01T10:05:00Z', data: {} }),
    ev({ type: 'CaseResolved', customerId: 'ann', caseId: 'k1', actor: { kind: 'agent', id: 'g1' }, occurredAt: '2024-03-01T11:00:00Z', data: {} }),
    ev({ type: 'KnowledgeArticleViewed', customerId: 'cat', channel: 'knowledge_base', actor: { kind: 'customer' }, occurredAt: '2024-03-01T10:00:00Z', data: { articleId: 'a', helpful: true } }),
    ev({ type: 'MessageReceived', customerId: 'cat', caseId: 'k3', channel: 'email', actor: { kind: 'customer' }, occurredAt: '2024-03-01T13:00:00Z', data: {} }),
    ev({ type: 'MessageReceived', tenantId: 't2', customerId: 'dan', caseId: 'k9', channel: 'sms', actor: { kind: 'customer' }, occurredAt: '2024-03-01T10:00:00Z', data: {} }),
  ];
  const path = join(dir, 'events.ndjson');
  writeFileSync(path, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  return path;
}

describe('replay --section and --config', () => {
  it('--section prints one operations view by tenant', async () => {
    const dir = tempDir();
    const r = await run(['replay', input(dir), '--section', 'selfService', '--no-progress']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      t1: { attempts: 1, deflected: 0, rate: 0, helpful: { rated: 1, helpful: 1, rate: 1 } },
      t2: { attempts: 0, deflected: 0, rate: null, helpful: { rated: 0, helpful: 0, rate: null } },
    });
  });

  it('--config sets the deflection window and the cost table, the same on --shards', async () => {
    const dir = tempDir();
    const events = input(dir);
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ deflectionWindowMs: 3_600_000, costTable: { currency: 'USD', perTouchpoint: { voice: 16.5, email: 4 } } }));
    const self = await run(['replay', events, '--config', config, '--section', 'selfService', '--tenant', 't1', '--no-progress']);
    // The message came 3 h after the article: outside a 1 h window, so deflected.
    expect(JSON.parse(self.stdout).t1).toMatchObject({ attempts: 1, deflected: 1 });
    const costs = await run(['replay', events, '--config', config, '--section', 'costs', '--tenant', 't1', '--no-progress']);
    // voice 1 × 16.5 + email 2 × 4, one case resolved.
    expect(JSON.parse(costs.stdout)).toEqual({ t1: { currency: 'USD', byChannel: { email: 8, voice: 16.5 }, total: 24.5, perResolvedCase: 24.5 } });
    const whole = await run(['replay', events, '--config', config, '--no-progress']);
    const sharded = await run(['replay', events, '--config', config, '--shards', '2', '--no-progress']);
    expect(sharded.stdout).toBe(whole.stdout);
  });

  it('rejects an unknown view and an invalid configuration with a usage error naming them', async () => {
    const dir = tempDir();
    const events = input(dir);
    const unknown = await run(['replay', events, '--section', 'triagee']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--section "triagee" is not an operations view: one of sla, voice/);
    const config = join(dir, 'bad.json');
    writeFileSync(config, JSON.stringify({ costTable: { currency: 'USD', perTouchpoint: { fax: 2 } } }));
    const bad = await run(['replay', events, '--config', config]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--config ".*bad.json": Invalid journey configuration: costTable.perTouchpoint.fax is not a known channel/);
    writeFileSync(config, '{ not json');
    expect((await run(['replay', events, '--config', config])).stderr).toMatch(/is not JSON/);
  });
});
