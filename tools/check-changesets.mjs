/**
 * CI: every changeset in .changeset/ parses (as `changeset version` will parse it) and names
 * workspace packages with a major/minor/patch bump. Runs without git (unlike `changeset status`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import parse from '@changesets/parse';

const root = join(import.meta.dirname, '..');
const packages = new Set(
  readdirSync(join(root, 'packages')).map(
    (d) => JSON.parse(readFileSync(join(root, 'packages', d, 'package.json'), 'utf8')).name,
  ),
);
const dir = join(root, '.changeset');
const files = readdirSync(dir).filter((f) => f.endsWith('.md') && f !== 'README.md');
const problems = [];
for (const f of files) {
  try {
    const { releases, summary } = parse(readFileSync(join(dir, f), 'utf8'));
    if (releases.length === 0) problems.push(`${f}: no package named in the front matter`);
    for (const r of releases) {
      if (!packages.has(r.name)) problems.push(`${f}: "${r.name}" is not a workspace package`);
      if (!['major', 'minor', 'patch'].includes(r.type))
        problems.push(`${f}: "${r.type}" is not major/minor/patch`);
    }
    if (!summary.trim()) problems.push(`${f}: empty summary`);
  } catch (e) {
    problems.push(`${f}: ${String(e.message).split('\n')[0]}`);
  }
}
if (problems.length) {
  console.error(`changesets that will not parse:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`${files.length} changesets parse`);
