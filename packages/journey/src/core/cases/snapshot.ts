// What a case looks like outside the fold: the report's open-case rows and the engine's case views are
// built here, so both show a case with the same fields in the same form (arrays, ISO instants).
import type { CaseStatus, CaseView } from '../model/index.js';
import type { OpenCaseRow } from '../report/types.js';

/**
 * A case as a host app reads it (`engine.getCase`, `openCases`, `case$`): frozen plain data, the fields of
 * the report's open-case rows in the same form (channels as a sorted array, instants as ISO strings) and
 * the rest of the case's state. It never changes: a later state is a new snapshot.
 */
export interface CaseSnapshot extends Readonly<Omit<OpenCaseRow, 'channels'>> {
  readonly channels: readonly string[];
  readonly tenantId: string;
  /** The customer the opening event was attributed to when it happened (before later merges). */
  readonly attributedCustomerId: string;
  readonly handledBy: 'human' | 'bot';
  readonly openedBy: 'explicit' | 'implicit' | 'follow_up';
  readonly openingChannel: string | null;
  readonly topic: string | null;
  /** The latest resolution, if resolved at least once. */
  readonly resolvedAt: string | null;
  readonly closedAt: string | null;
  readonly snoozedUntil: string | null;
  readonly mergedInto: string | null;
  readonly followUpOf: string | null;
  readonly hasFollowUp: boolean;
  /** The instant of the latest event that belonged to the case. */
  readonly lastActivityAt: string;
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** A case's row in the report's `cases.open` (report.md), with its status as of the report's instant. */
export function openCaseRow(c: CaseView, status: CaseStatus, canonical: (customerId: string) => string): OpenCaseRow {
  return {
    caseId: c.caseId,
    customerId: canonical(c.customerId),
    status,
    openedAt: iso(c.openedAt)!,
    channels: [...c.channels].sort(),
    reopenCount: c.reopenCount,
    waitingSince: iso(c.waitingSince),
    firstResponseAt: iso(c.firstResponseAt),
  };
}

/** A frozen {@link CaseSnapshot} of a case, with its status as of an instant and its customer after merges. */
export function caseSnapshot(c: CaseView, status: CaseStatus, canonical: (customerId: string) => string): CaseSnapshot {
  const row = openCaseRow(c, status, canonical);
  return Object.freeze({
    ...row,
    channels: Object.freeze(row.channels),
    tenantId: c.tenantId,
    attributedCustomerId: c.attributedCustomerId,
    handledBy: c.handledBy,
    openedBy: c.openedBy,
    openingChannel: c.openingChannel ?? null,
    topic: c.topic ?? null,
    resolvedAt: iso(c.resolvedAt),
    closedAt: iso(c.closedAt),
    snoozedUntil: iso(c.snoozedUntil),
    mergedInto: c.mergedInto ?? null,
    followUpOf: c.followUpOf ?? null,
    hasFollowUp: c.hasFollowUp,
    lastActivityAt: iso(c.lastActivityAt)!,
  });
}
