// The support messages the sealed import and erase tests write (import-sealed.test.ts, erase-postgres.test.ts).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERASED_IDENTITY_PREFIX, ERASED_VALUE } from '@omnitrail/events';

// Dana is erased; Eli and Frank (an anonymous customer known by his email) are kept.
export const DANA = ['Dana: my card ends in 4471', 'Dana again, still waiting', 'Dana from her phone: hello', 'dana.k@example.com'];
export const OTHERS = ['Eli: where is my parcel', 'eli.r@example.com', 'Frank asks about opening hours', 'frank.o@example.com'];

/** A CSV of support messages and its mapping; the fourth row is Dana's, known only by her email. */
export function writeMessages(dir: string): { csv: string; mapping: string } {
  const csv = join(dir, 'messages.csv');
  writeFileSync(
    csv,
    [
      'ts,who,email,msg,case',
      `2024-03-01T10:00:00Z,dana,${DANA[3]},"${DANA[0]}",k1`,
      `2024-03-01T10:30:00Z,eli,${OTHERS[1]},"${OTHERS[0]}",k2`,
      `2024-03-01T11:00:00Z,dana,${DANA[3]},"${DANA[1]}",k1`,
      `2024-03-01T11:30:00Z,,${DANA[3]},"${DANA[2]}",k1`,
      `2024-03-01T12:00:00Z,,${OTHERS[3]},"${OTHERS[2]}",`,
    ].join('\n') + '\n',
  );
  const mapping = join(dir, 'messages.mapping.json');
  writeFileSync(
    mapping,
    JSON.stringify({
      type: 'MessageReceived',
      tenantId: 'shop',
      channel: 'email',
      actorKind: 'customer',
      occurredAt: { column: 'ts' },
      customerId: { column: 'who' },
      caseId: { column: 'case' },
      identities: [{ type: 'email', value: { column: 'email' } }],
      data: { text: { column: 'msg' } },
    }),
  );
  return { csv, mapping };
}

/** A replay report's tenants with every personal value (or its erased form) blanked out. */
export function withoutPersonal(json: string): string {
  const personal = new Set([...DANA, ...OTHERS, ERASED_VALUE]);
  return JSON.stringify((JSON.parse(json) as { tenants: unknown }).tenants, (_k, v: unknown) => (typeof v === 'string' && (personal.has(v) || v.startsWith(ERASED_IDENTITY_PREFIX)) ? '<personal>' : v));
}
