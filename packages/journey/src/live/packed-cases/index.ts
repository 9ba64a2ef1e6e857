/**
 * Settled case records packed into bytes (docs/durable-engine.md, "Settled cases packed").
 *
 * A case that the eviction base shares with the head (unchanged since at least the horizon: closed, or left
 * open and untouched) is read by reports (every case, for the period's counts and samples), by health (a customer's
 * cases) and by the fold (routing a customer's new message, merges), and changed only if it is reopened,
 * merged, followed up or answered. As objects it costs about 0.9 kB of heap (its sets and lists); packed by V8's
 * serializer it is a few hundred bytes, spilled to the engine's file (`../record-spill`) when it has one.
 *
 * Unlike a customer record, a packed case stays in the same maps and lists as the others (the cases map and
 * the customers' case lists, which the fold's code reads in many places): it is an object whose `caseId` and
 * `customerId` are its own and every other field of a `CaseRecord` a getter that reads it unpacked (once per
 * task, `../task-memo`). So every reader reads it as a record; the fold changes one only through
 * `writableCase` (core/cases/state), which puts a new record unpacked from it in its place (it has no
 * setters: a change that bypassed the gate would throw). What a `TenantFold` exposes reads whole records
 * ({@link casesStateView}).
 */
import { deserialize, serialize } from 'node:v8';
import { isPackedCase, UNPACK_CASE, type CaseRecord, type CasesState } from '../../core/cases/index.js';
import { readOnlyMapView } from '../read-only-map/index.js';
import { heldBytes, heldBytesStats, holdBytes, type RecordSpill } from '../record-spill/index.js';
import { taskMemo } from '../task-memo/index.js';

/** The fields a packed case answers through getters: every field of a record but its own two. */
const CASE_FIELDS = [
  'tenantId',
  'attributedCustomerId',
  'status',
  'handledBy',
  'openedAt',
  'openedEventId',
  'openedBy',
  'openingChannel',
  'channels',
  'topic',
  'priority',
  'reopenCount',
  'waitingSince',
  'firstResponseAt',
  'resolvedAt',
  'closedAt',
  'snoozedUntil',
  'mergedInto',
  'followUpOf',
  'hasFollowUp',
  'lastActivityAt',
  'cycleStart',
  'firstResponseClockStart',
  'resolutions',
  'customerMessageAfterFirstReply',
  'escalated',
  'agentReplied',
  'openStatusChanges',
  'pausedSince',
  'pauses',
  'episodes',
  'sla',
  'resolutionOutcomes',
  'mergedAt',
] as const satisfies readonly (keyof CaseRecord)[];
// A field added to CaseRecord and not listed above would read as undefined from a packed case: refused here.
type Unlisted = Exclude<keyof CaseRecord, (typeof CASE_FIELDS)[number] | 'caseId' | 'customerId'>;
const everyFieldListed: [Unlisted] extends [never] ? true : { unlisted: Unlisted } = true;
void everyFieldListed;

/** A packed case: its own `caseId`, `customerId` and bytes (`data`), the rest through getters. */
class PackedCase {
  readonly caseId: string;
  readonly customerId: string;
  declare readonly data: string;

  constructor(caseId: string, customerId: string) {
    this.caseId = caseId;
    this.customerId = customerId;
  }
}

function unpackCase(packed: PackedCase): CaseRecord {
  return deserialize(heldBytes(packed)) as CaseRecord;
}

const readPacked = taskMemo(unpackCase);

for (const field of CASE_FIELDS) {
  Object.defineProperty(PackedCase.prototype, field, {
    get(this: PackedCase) {
      return readPacked(this)[field];
    },
  });
}
Object.defineProperty(PackedCase.prototype, UNPACK_CASE, {
  value(this: PackedCase): CaseRecord {
    return unpackCase(this);
  },
});

/**
 * The packed form of a settled case (see the module comment), its bytes in `spill` when there is one. Open
 * ones too: a case left open and untouched for longer than the horizon (an abandoned chat, a ticket nobody
 * closed) is as settled as a closed one, and such cases were 40 % of the cases on the memory bench's
 * workload; the triage queue and the backlog read them unpacked, once per task.
 */
export function packSettledCase(rec: CaseRecord, spill: RecordSpill | undefined): CaseRecord {
  return holdBytes(new PackedCase(rec.caseId, rec.customerId), serialize(rec), spill) as unknown as CaseRecord;
}

/** The record a case stands for, to read: a packed one unpacked (shared by the readers of the current task, not to be changed). */
export function readCase(rec: CaseRecord): CaseRecord {
  return isPackedCase(rec) ? readPacked(rec as unknown as PackedCase) : rec;
}

function readCaseList(list: CaseRecord[]): CaseRecord[] {
  return list.some(isPackedCase) ? list.map(readCase) : list;
}

/**
 * The cases state as a `TenantFold` exposes it: its maps read-only views of the live ones whose packed
 * records read unpacked (a customer's list is a new array when it holds one), the rest the state's own.
 */
export function casesStateView(state: CasesState): CasesState {
  return {
    ...state,
    cases: readOnlyMapView(state.cases, readCase, "a fold's case records"),
    byCustomer: readOnlyMapView(state.byCustomer, readCaseList, "a fold's case lists"),
  };
}

/**
 * Makes the cases of loaded states packed cases again: a snapshot holds a packed case as plain data (its
 * `caseId`, `customerId` and bytes), decoded as such. Each once however many states share it (their maps
 * and lists are the loaded state's own, changed in place), spilled when there is a spill.
 */
export function restoreLoadedCases(states: readonly CasesState[], spill: RecordSpill | undefined): void {
  const restored = new Map<object, CaseRecord>();
  const restore = (rec: CaseRecord): CaseRecord => {
    const plain = rec as unknown as { caseId: string; customerId: string; data?: unknown; status?: unknown };
    if (isPackedCase(rec) || typeof plain.data !== 'string' || plain.status !== undefined) return rec;
    let packed = restored.get(rec);
    if (packed === undefined) {
      packed = holdBytes(new PackedCase(plain.caseId, plain.customerId), Buffer.from(plain.data, 'latin1'), spill) as unknown as CaseRecord;
      restored.set(rec, packed);
    }
    return packed;
  };
  for (const state of states) {
    state.cases.forEach((rec, id) => {
      const packed = restore(rec);
      if (packed !== rec) state.cases.set(id, packed);
    });
    state.byCustomer.forEach((list) => {
      for (let i = 0; i < list.length; i++) list[i] = restore(list[i]!);
    });
  }
}

/** How many distinct packed cases the states hold, their bytes, and of them how many are spilled, and their bytes. */
export function packedCaseStats(states: Iterable<CasesState>): { cases: number; bytes: number; spilled: number; spilledBytes: number } {
  const seen = new Set<PackedCase>();
  for (const state of states) state.cases.forEach((rec) => isPackedCase(rec) && seen.add(rec as unknown as PackedCase));
  const { count, ...rest } = heldBytesStats(seen);
  return { cases: count, ...rest };
}
