import { readFileSync } from 'node:fs';
import { JourneyConfigError, resolveJourneyConfig, type JourneyConfig } from '@omnitrail/journey';
import { UsageError } from '../args/index.js';

/**
 * The journey configuration of `omnitrail replay --config <file>`: a JSON object of the settings to change
 * (reopen window, business hours, churn signals, deflection window, cost table…; docs/cli.md), resolved
 * with the defaults. A file that cannot be read, is not JSON or names an invalid setting is a usage error
 * whose message names the file and the setting.
 */
export function readConfigFile(path: string, shown: string): JourneyConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--config "${shown}" cannot be read: ${(error as Error).message}`, 'replay');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--config "${shown}" is not JSON: ${(error as Error).message}`, 'replay');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError(`--config "${shown}" must hold a JSON object of settings`, 'replay');
  try {
    return resolveJourneyConfig(parsed as Parameters<typeof resolveJourneyConfig>[0]);
  } catch (error) {
    if (error instanceof JourneyConfigError) throw new UsageError(`--config "${shown}": ${error.message}`, 'replay');
    throw error;
  }
}
