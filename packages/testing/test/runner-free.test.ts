// The kit's main entry loads without any test runner: a host on node:test or jest (or a CLI) can import the
// arbitraries and the workload generator without vitest. Loading vitest from it is made to fail here, in a
// child process, for both the ESM and the CommonJS builds; the vitest suites are in '@omnitrail/testing/vitest'.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** Guards that make any load of vitest throw: an ESM resolve hook and a CommonJS loader wrapper. */
function guards(): { esm: string; cjs: string } {
  const dir = mkdtempSync(join(tmpdir(), 'omnitrail-runner-free-'));
  const hook = join(dir, 'hook.mjs');
  writeFileSync(hook, "export async function resolve(s, c, next) { if (s === 'vitest' || s.startsWith('vitest/')) throw new Error('vitest was loaded'); return next(s, c); }\n");
  const esm = join(dir, 'register.mjs');
  writeFileSync(esm, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hook).href)});\n`);
  const cjs = join(dir, 'guard.cjs');
  writeFileSync(cjs, "const M = require('node:module'); const load = M._load; M._load = function (r, ...a) { if (r === 'vitest' || r.startsWith('vitest/')) throw new Error('vitest was loaded'); return load.call(this, r, ...a); };\n");
  return { esm, cjs };
}

describe('@omnitrail/testing without a test runner', () => {
  const { esm, cjs } = guards();
  const script = [
    "const kit = MODULE;",
    "const events = [...kit.generateWorkload({ seed: 3, customers: 5, events: 50 })];",
    "if (events.length !== 50) throw new Error('expected 50 events, got ' + events.length);",
    "if (typeof kit.anyEventArbitrary !== 'object' || typeof kit.assertProperty !== 'function') throw new Error('missing exports');",
    "if ('eventStoreContract' in kit || 'journeyInvariants' in kit) throw new Error('vitest suites on the main entry');",
    "console.log('ok');",
  ].join('\n');

  it('imports (ESM) and generates a workload with vitest unloadable', () => {
    const r = spawnSync(process.execPath, ['--import', pathToFileURL(esm).href, '--input-type=module', '-e', script.replace('MODULE', "await import('@omnitrail/testing')")], { cwd: packageDir, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('ok');
  });

  it('requires (CommonJS) and generates a workload with vitest unloadable', () => {
    const r = spawnSync(process.execPath, ['--require', cjs, '-e', script.replace('MODULE', "require('@omnitrail/testing')")], { cwd: packageDir, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('ok');
  });

  it('has the vitest suites on its /vitest entry (and loading it does load vitest)', () => {
    const r = spawnSync(process.execPath, ['--import', pathToFileURL(esm).href, '--input-type=module', '-e', "await import('@omnitrail/testing/vitest')"], { cwd: packageDir, encoding: 'utf8' });
    expect(r.stderr).toContain('vitest was loaded');
  });
});
