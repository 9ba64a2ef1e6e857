// Resolution-time samples with their case: the cases projection keeps the samples without the case, and a
// reopening forgets the old cycle's start, so the views that split them by case note them as they happen.
import type { CaseEffects, CaseLookup, JourneyEvent } from '../model/index.js';

/** Resolution samples as columns: the case, the resolving instant, the duration (ms). */
export interface ResolutionSamples {
  caseId: string[];
  at: number[];
  ms: number[];
}

/** No samples. */
export function createResolutionSamples(): ResolutionSamples {
  return { caseId: [], at: [], ms: [] };
}

/** A copy (for snapshots). */
export function cloneResolutionSamples(s: ResolutionSamples): ResolutionSamples {
  return { caseId: s.caseId.slice(), at: s.at.slice(), ms: s.ms.slice() };
}

/** Notes the sample of a `CaseResolved` that ended a cycle: resolution minus the cycle's start (domain.md). */
export function noteResolution(s: ResolutionSamples, je: JourneyEvent, effects: CaseEffects, cases: CaseLookup): void {
  if (effects.resolved !== true || effects.caseId === undefined) return;
  const c = cases.getCase(effects.caseId);
  if (c === undefined) return;
  s.caseId.push(c.caseId);
  s.at.push(je.at);
  s.ms.push(je.at - c.cycleStart);
}
