// An analyst replays a support log with a bound on the events held in memory: past `maxEventsInMemory`
// the replay spills accepted events to a temporary file and the fold reads them back, so memory grows with
// the projections' state rather than with the log. The report is the same, byte for byte, as a replay that
// holds every event; this example checks it and prints a few figures of each tenant.
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildReport, formatReport, readInputs, replayFiles } from '@omnitrail/cli';
import { generateWorkload, writeNdjsonFile } from '@omnitrail/workload';

const directory = await mkdtemp(join(tmpdir(), 'omnitrail-replay-example-'));
try {
  // A seeded log of realistic omnichannel journeys: 3 tenants, 600 customers, 30,000 events.
  const log = join(directory, 'support-log.ndjson');
  const { events } = await writeNdjsonFile(log, generateWorkload({ seed: 2024, customers: 600, events: 30_000, tenants: 3 }));

  // Held in memory (the default up to a million events) and spilled past 2,000 events: the same report.
  const held = formatReport(await replayFiles([log]));
  const spillDirectory = join(directory, 'spill');
  await mkdir(spillDirectory);
  const spilled = formatReport(await replayFiles([log], { maxEventsInMemory: 2_000, spillDirectory }));
  if (spilled !== held) throw new Error('the spilled replay gave another report');
  // replayFiles deletes its spill file once the report is built.
  if ((await readdir(spillDirectory)).length !== 0) throw new Error('the spill file was left behind');

  // The same in two steps, to look at what was read before folding: the log spills past 5,000 events.
  const ingest = await readInputs([{ kind: 'file', path: log }], { maxEventsInMemory: 5_000, spillDirectory });
  try {
    console.log(`read ${ingest.input.read} lines: ${ingest.input.accepted} accepted, ${ingest.input.duplicates} duplicates, ${ingest.input.rejected.length} rejected; spilled: ${ingest.log.spilled}`);
    const report = buildReport(ingest, { asOf: Date.parse('2024-04-01T00:00:00Z') });
    for (const [tenant, t] of Object.entries(report.tenants)) {
      const fr = t.metrics.firstResponseMs.median;
      console.log(`${tenant} as of ${report.asOf}: ${t.customers.count} customers, ${t.cases.count} cases (${t.cases.open.length} open), first response median ${fr === null ? '—' : `${(fr / 3_600_000).toFixed(1)} h`}`);
    }
  } finally {
    ingest.close();
  }
  console.log(`${events} events replayed held in memory and spilled: identical reports (${held.length} bytes)`);
} finally {
  await rm(directory, { recursive: true, force: true });
}
