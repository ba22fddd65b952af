#!/usr/bin/env node
// Packs every publishable package under packages/ (after `npm run build`) and checks each
// tarball the way a consumer would see it: publint (package.json / exports / files) and
// @arethetypeswrong/cli (types resolve for ESM and CJS under node16 and bundlers).
// node10 resolution is ignored: subpath exports such as "@dmdet/volume-io/node" need node16+.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = mkdtempSync(join(tmpdir(), 'dmdet-pack-'));
const bin = (name) => join(root, 'node_modules', '.bin', name);
let failed = 0;

for (const dir of readdirSync(join(root, 'packages')).sort()) {
  const pkgDir = join(root, 'packages', dir);
  let pkg;
  try {
    pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  } catch {
    continue;
  }
  if (pkg.private) continue;
  const [{ filename, files }] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', out], { cwd: pkgDir, encoding: 'utf8' }),
  );
  const tarball = join(out, filename);
  const problems = [];
  const paths = files.map((f) => f.path);
  if (!paths.some((p) => p.startsWith('dist/')))
    problems.push('no dist/ in the tarball: run the build first');
  const stray = paths.filter((p) => /^(test|tools)\//.test(p));
  if (stray.length) problems.push(`test or tool files packed: ${stray.join(', ')}`);
  for (const [name, args] of [
    ['publint', ['run', tarball, '--strict']],
    ['attw', [tarball, '--profile', 'node16', '--format', 'table-flipped']],
  ]) {
    try {
      execFileSync(bin(name), args, { cwd: pkgDir, encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      problems.push(`${name} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
  }
  if (problems.length) {
    failed++;
    console.log(`✗ ${pkg.name}@${pkg.version} (${files.length} files)\n  ${problems.join('\n  ')}`);
  } else {
    console.log(`✓ ${pkg.name}@${pkg.version}: ${files.length} files, publint and attw clean`);
  }
}
rmSync(out, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
