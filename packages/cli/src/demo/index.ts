import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderHtmlReport } from '../html/index.js';
import type { ReplayReport } from '@omnitrail/journey';
import { plural } from '../journey/index.js';
import { buildReport, formatReport, readInputs } from '../replay/index.js';

/** What `omnitrail demo` generates. */
export interface DemoOptions {
  /** Output directory (created). */
  out: string;
  customers?: number;
  events?: number;
  seed?: number;
}

/**
 * Generates a seeded sample (events.ndjson), replays it and writes report.json and report.html into
 * `out`. Resolves with a short human summary.
 */
export async function runDemo(options: DemoOptions): Promise<string> {
  mkdirSync(options.out, { recursive: true });
  const eventsPath = join(options.out, 'events.ndjson');
  // The same seeded generator as the benchmarks and the property-based fixtures: realistic journeys. Loaded
  // here only: with fast-check it adds ~0.1 s to the start of every other command.
  const { generateWorkload, writeNdjsonFile } = await import('@omnitrail/testing');
  const { events: count } = await writeNdjsonFile(
    eventsPath,
    generateWorkload({ seed: options.seed ?? 42, customers: options.customers ?? 200, events: options.events ?? 5000, tenants: 2 }),
  );
  const ingest = await readInputs([{ kind: 'file', path: eventsPath, name: 'events.ndjson' }]);
  let report: ReplayReport;
  try {
    report = buildReport(ingest);
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
  lines.push(`Wrote ${join(options.out, 'report.json')} and ${join(options.out, 'report.html')}`);
  return `${lines.join('\n')}\n`;
}
