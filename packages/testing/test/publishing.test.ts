// What npm users get with each public package: a README (what it is, how to install it, a short example)
// and the metadata a registry page shows (repository, homepage, keywords); and docs/ that stands alone,
// with no link leaving the repository (what the docs need from elsewhere is written in them).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const packages = readdirSync(`${root}packages`)
  .map((dir) => ({ dir, json: JSON.parse(readFileSync(`${root}packages/${dir}/package.json`, 'utf8')) as Record<string, unknown> }))
  .filter((p) => p.json.private !== true);

describe('every public package is ready for the registry', () => {
  it('there are public packages to check', () => {
    expect(packages.map((p) => p.json.name)).toEqual(expect.arrayContaining(['@omnitrail/events', '@omnitrail/eventstore', '@omnitrail/journey', '@omnitrail/testing', '@omnitrail/workload', '@omnitrail/cli']));
  });

  it.each(packages.map((p) => [p.json.name as string, p] as const))('%s ships a README with an install line and an example, and registry metadata', (name, { dir, json }) => {
    const readmePath = `${root}packages/${dir}/README.md`;
    expect(existsSync(readmePath), `${dir}/README.md`).toBe(true);
    const readme = readFileSync(readmePath, 'utf8');
    expect(readme.startsWith(`# ${name}\n`)).toBe(true);
    expect(readme).toMatch(new RegExp(`npm install (-g |--save-dev )?${name.replace('/', '\\/')}\\b`));
    expect(readme).toMatch(/```(ts|sh)\n[\s\S]+?\n```/);
    expect(json.files).toEqual(expect.arrayContaining(['dist', 'README.md']));
    expect(json).toMatchObject({ license: expect.any(String), description: expect.any(String), homepage: expect.stringMatching(/^https:\/\//) });
    expect(json.repository).toMatchObject({ type: 'git', url: expect.stringMatching(/^(git\+)?https:\/\//), directory: `packages/${dir}` });
    expect(Array.isArray(json.keywords) && (json.keywords as unknown[]).length > 0 && (json.keywords as unknown[]).every((k) => typeof k === 'string')).toBe(true);
  });
});

describe('docs/ does not link outside the repository', () => {
  const pages = readdirSync(`${root}docs`).filter((f) => f.endsWith('.md'));

  it.each(pages)('docs/%s links only to pages and anchors of the repository', (page) => {
    const text = readFileSync(`${root}docs/${page}`, 'utf8');
    const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
    for (const target of targets) {
      expect(target, `${page}: ${target}`).not.toMatch(/^[a-z][a-z0-9+.-]*:/i); // no http:, https:, mailto:, file:
      const file = target.split('#')[0]!;
      if (file === '') continue;
      const resolved = fileURLToPath(new URL(file, `file://${root}docs/`));
      expect(resolved.startsWith(root), `${page}: ${target} leaves the repository`).toBe(true);
      expect(existsSync(resolved), `${page}: ${target} does not exist`).toBe(true);
    }
    // Bare addresses and the specification's folder outside the repository count as links too.
    expect(text).not.toMatch(/https?:\/\/(?!127\.0\.0\.1|localhost)/);
    expect(text).not.toMatch(/shared\/spec|\.\.\/shared/);
  });

  // The specification's files are not in the repository: hand-written pages say what they need from them in
  // their own words. (api.md is generated from the sources' TSDoc, which may still name them.)
  it.each(pages.filter((p) => p !== 'api.md'))('docs/%s does not send the reader to the specification\'s files', (page) => {
    expect(readFileSync(`${root}docs/${page}`, 'utf8')).not.toMatch(/\b(domain|operations|report|benchmarks)\.md\b/);
  });
});
