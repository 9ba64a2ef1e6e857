import type { SlaTargetKind, TenantProjection } from '../../model/index.js';
import { compareText, inPeriod, iso, ratio } from '../period.js';

/** One target kind's counts before the rate. */
export interface SlaCounts {
  hit: number;
  missed: number;
  active: number;
}

/** A target missed in the period, its due instant in ms. */
export interface SlaBreachTally {
  caseId: string;
  customerId: string;
  target: SlaTargetKind;
  dueAt: number;
}

/** The `sla` view before rates: counts per target kind and the breaches, plain data that adds up. */
export interface SlaTally {
  firstResponse: SlaCounts;
  nextResponse: SlaCounts;
  resolution: SlaCounts;
  breaches: SlaBreachTally[];
}

/** One target kind's figures (operations.md, sla). */
export interface SlaTargetFigures extends SlaCounts {
  /** hit / (hit + missed); `null` when none was settled in the period. */
  attainment: number | null;
}

/** A breach as the report shows it. */
export interface SlaBreach {
  caseId: string;
  customerId: string;
  target: SlaTargetKind;
  dueAt: string;
}

/** The `operations.sla` section (operations.md). */
export interface SlaSection {
  firstResponse: SlaTargetFigures;
  nextResponse: SlaTargetFigures;
  resolution: SlaTargetFigures;
  /** Targets missed in the period, by `dueAt`, then `caseId`, then `target`. */
  breaches: SlaBreach[];
}

const counts = (): SlaCounts => ({ hit: 0, missed: 0, active: 0 });
const add = (a: SlaCounts, b: SlaCounts): SlaCounts => ({ hit: a.hit + b.hit, missed: a.missed + b.missed, active: a.active + b.active });
const figures = (c: SlaCounts): SlaTargetFigures => ({ hit: c.hit, missed: c.missed, active: c.active, attainment: ratio(c.hit, c.hit + c.missed) });

function compareBreach(a: SlaBreachTally, b: SlaBreachTally): number {
  return a.dueAt - b.dueAt || compareText(a.caseId, b.caseId) || compareText(a.target, b.target);
}

/**
 * SLA attainment and breaches (operations.md, sla). It keeps no state of its own: the targets are the cases
 * projection's (`SlaApplied`, the clocks, the pauses), judged at the tally's `asOf` through
 * `TenantFoldReader.slaOutcomes`. A hit counts in the period of the event that met it, a miss in the period of
 * its due instant; `active` counts the targets still running at `asOf`.
 */
export const slaProjection: TenantProjection<null, SlaTally, SlaSection> = {
  name: 'sla',
  create: () => null,
  clone: () => null,
  apply() {},
  tally(_state, window, canonical, fold) {
    const tally: SlaTally = { firstResponse: counts(), nextResponse: counts(), resolution: counts(), breaches: [] };
    for (const c of fold.allCases()) {
      for (const o of fold.slaOutcomes(c.caseId, window.asOf)) {
        const row = tally[o.target];
        if (o.state === 'active') row.active++;
        else if (!inPeriod(o.settledAt!, window)) continue;
        else if (o.state === 'hit') row.hit++;
        else {
          row.missed++;
          tally.breaches.push({ caseId: c.caseId, customerId: canonical(c.customerId), target: o.target, dueAt: o.dueAt! });
        }
      }
    }
    tally.breaches.sort(compareBreach);
    return tally;
  },
  mergeTallies: (a, b) => ({
    firstResponse: add(a.firstResponse, b.firstResponse),
    nextResponse: add(a.nextResponse, b.nextResponse),
    resolution: add(a.resolution, b.resolution),
    breaches: [...a.breaches, ...b.breaches].sort(compareBreach),
  }),
  section: (t) => ({
    firstResponse: figures(t.firstResponse),
    nextResponse: figures(t.nextResponse),
    resolution: figures(t.resolution),
    breaches: t.breaches.map((b) => ({ caseId: b.caseId, customerId: b.customerId, target: b.target, dueAt: iso(b.dueAt) })),
  }),
};
