import { readCsvTable } from '../csv/parse.js';
import type { InputEvent } from '../types.js';

/** Options of the BPI Challenge 2013 importer. */
export interface Bpic2013Options {
  /** Tenant of the events (default `bpic2013`). */
  tenant?: string;
}

type Status = 'open' | 'pending_customer' | 'on_hold' | 'resolved' | 'closed';

const PRIORITY: Record<string, 'low' | 'normal' | 'high' | 'urgent'> = { Low: 'low', Medium: 'normal', High: 'high', Major: 'urgent' };
const WAIT_STATUS: Record<string, 'pending_customer' | 'on_hold'> = {
  'Wait - User': 'pending_customer',
  'Wait - Customer': 'pending_customer',
  Wait: 'on_hold',
  'Wait - Vendor': 'on_hold',
  'Wait - Implementation': 'on_hold',
};

/** The 6-digit, zero-padded row number: ids that sort in file order (the log's tie-break for equal instants). */
function rowId(row: number, k: number): string {
  const base = `bpic-${String(row).padStart(6, '0')}`;
  return k === 0 ? base : `${base}.${k}`;
}

/**
 * Converts the Volvo IT incident log of the BPI Challenge 2013 (VINST_incidents_ibm.csv) into events.
 * Each incident (SR Number) is one case and one customer (`sr-<SR Number>`: the log does not say who
 * reported it). Rows map onto the cases state machine so that statuses only move along allowed
 * transitions; see docs/import.md for the full table.
 */
export function importBpic2013(text: string, options: Bpic2013Options = {}): InputEvent[] {
  const tenantId = options.tenant ?? 'bpic2013';
  const { rows } = readCsvTable(text);
  // A Completed-Closed followed by more activity is not final in this log (the incident was reactivated);
  // the last row of each incident tells which closing is final.
  const lastRow = new Map<string, number>();
  rows.forEach((r, i) => lastRow.set(r.values['SR Number']!, i));
  const status = new Map<string, Status>();
  const out: InputEvent[] = [];
  rows.forEach((row, index) => {
    const v = row.values;
    const sr = v['SR Number']!;
    const caseId = `sr-${sr}`;
    const base = {
      tenantId,
      occurredAt: v['Change Date+Time']!,
      customerId: caseId,
      caseId,
      actor: v.Resource ? { kind: 'agent', id: v.Resource } : { kind: 'system' },
      source: { system: 'bpic2013', externalId: `${sr}#${index + 1}` },
    };
    const events: { type: string; data: Record<string, unknown> }[] = [];
    const now = () => status.get(sr);
    // Moves along the cases state machine only: a resolved case reopens explicitly before anything else.
    const moveTo = (to: Exclude<Status, 'resolved' | 'closed'>) => {
      if (now() === 'resolved') {
        events.push({ type: 'CaseReopened', data: {} });
        status.set(sr, 'open');
      }
      if (now() !== to) {
        events.push({ type: 'CaseStatusChanged', data: { to } });
        status.set(sr, to);
      }
    };
    if (now() === undefined) {
      const priority = PRIORITY[v['SR Latest Impact'] ?? ''];
      events.push({ type: 'CaseOpened', data: { subject: `${v.Product} incident`, topic: v.Product, ...(priority ? { priority } : {}), handledBy: 'human' } });
      status.set(sr, 'open');
    } else if (now() === 'closed') {
      // Closed is final; the importer closes only on an incident's last row, so this does not happen.
      return;
    }
    const sub = v['Sub Status'] ?? '';
    switch (v.Status) {
      case 'Accepted': {
        const wait = WAIT_STATUS[sub];
        if (wait) {
          moveTo(wait);
        } else {
          // In Progress, Assigned: someone works on it.
          moveTo('open');
          if (v.Resource) events.push({ type: 'CaseAssigned', data: { assigneeKind: 'agent', assigneeId: v.Resource } });
        }
        break;
      }
      case 'Queued':
        // Back in a team's queue: active again, awaiting an agent.
        moveTo('open');
        if (v['Involved ST']) events.push({ type: 'CaseAssigned', data: { assigneeKind: 'team', assigneeId: v['Involved ST'] } });
        break;
      case 'Completed': {
        const final = lastRow.get(sr) === index;
        if ((sub === 'Closed' || sub === 'Cancelled') && final) {
          events.push({ type: 'CaseClosed', data: {} });
          status.set(sr, 'closed');
        } else if (now() !== 'resolved') {
          // Resolved, In Call (solved during the call) and a Closed that later activity reactivates end a cycle;
          // a repeated completion of a resolved case is no new resolution.
          events.push({ type: 'CaseResolved', data: { code: sub.toLowerCase().replace(/\s+/g, '_') } });
          status.set(sr, 'resolved');
        }
        break;
      }
      default:
        // Unmatched (5 rows) changes nothing in the log; kept as a team-only note.
        events.push({ type: 'InternalNoteAdded', data: { text: `${v.Status}: ${sub}` } });
    }
    events.forEach((e, k) => out.push({ id: rowId(index + 1, k), type: e.type, ...base, data: e.data }));
  });
  return out;
}
