// Resolution-time samples with their case: the cases projection keeps the samples without the case, and a
// reopening forgets the old cycle's start, so the views that split them by case note them as they happen.
import { appendFactRow, copyFactTable, createFactTable, type FactTable } from '../facts/index.js';
import type { CaseEffects, CaseLookup, JourneyEvent } from '../model/index.js';

/** Resolution samples as columns: the case, the resolving instant, the duration (ms). In chunks that copies share (../facts). */
export type ResolutionSamples = FactTable<{ caseId: string[]; at: number[]; ms: number[] }>;

/** No samples. */
export function createResolutionSamples(): ResolutionSamples {
  return createFactTable({ caseId: [], at: [], ms: [] });
}

/** A copy (for snapshots): the full chunks shared. */
export function cloneResolutionSamples(s: ResolutionSamples): ResolutionSamples {
  return copyFactTable(s);
}

/** Notes the sample of a `CaseResolved` that ended a cycle: resolution minus the cycle's start (domain.md). */
export function noteResolution(s: ResolutionSamples, je: JourneyEvent, effects: CaseEffects, cases: CaseLookup): void {
  if (effects.resolved !== true || effects.caseId === undefined) return;
  const c = cases.getCase(effects.caseId);
  if (c === undefined) return;
  const row = appendFactRow(s);
  row.caseId.push(c.caseId);
  row.at.push(je.at);
  row.ms.push(je.at - c.cycleStart);
}
