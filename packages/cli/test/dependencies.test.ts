// The CLI installs without test tools: `npx omnitrail demo` must work for an npm user who has neither the
// testing kit nor fast-check nor vitest. This walks the CLI's run-time dependencies through the workspace's
// own packages (dependencies and required peers: npm installs both) and fails if one of them reaches a test
// tool. The packed-install CI step (.ci/packed-install) checks the same on a real npm install.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

const workspace = new Map<string, Manifest>(
  readdirSync(`${root}packages`).map((dir) => {
    const json = JSON.parse(readFileSync(`${root}packages/${dir}/package.json`, 'utf8')) as Manifest;
    return [json.name, json] as const;
  }),
);

/** Every package an npm install of `name` brings, as far as the workspace's manifests tell, with the path to it. */
function runtimeGraph(name: string): Map<string, string[]> {
  const reached = new Map<string, string[]>([[name, [name]]]);
  const queue = [name];
  while (queue.length > 0) {
    const current = queue.shift() as string;
    const manifest = workspace.get(current);
    if (manifest === undefined) continue; // a third-party package: its own dependencies are not test tools here
    const required = Object.keys(manifest.peerDependencies ?? {}).filter((p) => manifest.peerDependenciesMeta?.[p]?.optional !== true);
    for (const dep of [...Object.keys(manifest.dependencies ?? {}), ...required]) {
      if (reached.has(dep)) continue;
      reached.set(dep, [...(reached.get(current) as string[]), dep]);
      queue.push(dep);
    }
  }
  return reached;
}

describe('@omnitrail/cli at run time', () => {
  const graph = runtimeGraph('@omnitrail/cli');

  it('reaches the workload generator and the engine', () => {
    expect([...graph.keys()]).toEqual(expect.arrayContaining(['@omnitrail/workload', '@omnitrail/journey', '@omnitrail/events']));
  });

  it.each(['@omnitrail/testing', 'fast-check', 'vitest'])('does not reach %s', (tool) => {
    expect(graph.get(tool), `path: ${graph.get(tool)?.join(' → ')}`).toBeUndefined();
  });

  it('the testing kit, by contrast, does reach fast-check (so the walk sees peers)', () => {
    expect(runtimeGraph('@omnitrail/testing').get('fast-check')).toEqual(['@omnitrail/testing', 'fast-check']);
  });
});
