import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderHtmlReport } from '../html/index.js';
import { resolveJourneyConfig, type ReplayReport } from '@omnitrail/journey';
import { generateWorkload, writeNdjsonFile } from '@omnitrail/workload';
import { plural } from '../journey/index.js';
import { buildReport, formatReport, readInputs } from '../replay/index.js';

/**
 * The demo's settings (config.json, given to the replay as `--config` would be): a cost table, so the
 * report's `operations.costs` has figures. Voice at the often-quoted ~16.50 USD a contact, text channels
 * under 5 (operations.md, costs).
 */
export const DEMO_SETTINGS = Object.freeze({
  costTable: {
    currency: 'USD',
    perTouchpoint: { voice: 16.5, email: 4.5, web_chat: 4, in_app_chat: 4, sms: 3, whatsapp: 3, messenger: 3, instagram_dm: 3, x_dm: 3, telegram: 3, social_public: 5 },
  },
});

/** What `omnitrail demo` generates. */
export interface DemoOptions {
  /** Output directory (created). */
  out: string;
  customers?: number;
  events?: number;
  seed?: number;
}

/**
 * Generates a seeded sample (events.ndjson) and its settings (config.json), replays it with them and writes
 * report.json and report.html into `out`. Resolves with a short human summary.
 */
export async function runDemo(options: DemoOptions): Promise<string> {
  mkdirSync(options.out, { recursive: true });
  const eventsPath = join(options.out, 'events.ndjson');
  // The same seeded generator as the benchmarks and the testing kit: realistic journeys, no fast-check.
  const { events: count } = await writeNdjsonFile(
    eventsPath,
    generateWorkload({ seed: options.seed ?? 42, customers: options.customers ?? 200, events: options.events ?? 5000, tenants: 2 }),
  );
  writeFileSync(join(options.out, 'config.json'), `${JSON.stringify(DEMO_SETTINGS, null, 2)}\n`);
  const ingest = await readInputs([{ kind: 'file', path: eventsPath, name: 'events.ndjson' }]);
  let report: ReplayReport;
  try {
    report = buildReport(ingest, { config: resolveJourneyConfig(DEMO_SETTINGS) });
  } finally {
    ingest.close();
  }
  writeFileSync(join(options.out, 'report.json'), formatReport(report));
  writeFileSync(join(options.out, 'report.html'), renderHtmlReport(report));
  const lines = [`Generated ${plural(count, 'event')} (seed ${options.seed ?? 42}) into ${eventsPath}`];
  for (const [tenant, t] of Object.entries(report.tenants)) {
    const fr = t.metrics.firstResponseMs.median;
    lines.push(
      `Tenant ${tenant}: ${plural(t.customers.count, 'customer')}, ${plural(t.cases.count, 'case')} (${t.cases.open.length} open), ` +
        `first response median ${fr === null ? '—' : `${(fr / 3_600_000).toFixed(1)} h`}, ` +
        `CSAT ${t.metrics.csat.percent === null ? '—' : `${t.metrics.csat.percent.toFixed(1)} %`}, NPS ${t.metrics.nps.score === null ? '—' : t.metrics.nps.score.toFixed(0)}`,
    );
  }
  lines.push(`Wrote ${join(options.out, 'report.json')} and ${join(options.out, 'report.html')} (settings: ${join(options.out, 'config.json')})`);
  return `${lines.join('\n')}\n`;
}
