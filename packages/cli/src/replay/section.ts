import type { ReplayReport } from '@omnitrail/journey';
import { TENANT_PROJECTIONS } from '@omnitrail/journey/internal';
import { UsageError } from '../args/index.js';

/** The names `--section` takes: the report's operational views (`tenants.<id>.operations.<name>`). */
export function sectionNames(): string[] {
  return TENANT_PROJECTIONS.map((p) => p.name);
}

/** Checks a `--section` name, naming the ones there are when it is unknown. */
export function checkSectionName(name: string): string {
  if (!sectionNames().includes(name)) throw new UsageError(`--section "${name}" is not an operations view: one of ${sectionNames().join(', ')}`, 'replay');
  return name;
}

/**
 * One operational view of a report as `omnitrail replay --section <name>` prints it: by tenant id (sorted,
 * as in the report), each tenant's `operations.<name>`.
 */
export function formatSection(report: ReplayReport, name: string): string {
  const out: Record<string, unknown> = {};
  for (const [tenantId, tenant] of Object.entries(report.tenants)) {
    Object.defineProperty(out, tenantId, { value: tenant.operations?.[name] ?? null, enumerable: true, writable: true, configurable: true });
  }
  return `${JSON.stringify(out, null, 2)}\n`;
}
