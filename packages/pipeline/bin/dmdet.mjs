#!/usr/bin/env node
// The `dmdet` command: runs the built CLI (dist/cli.js), or in a source checkout that has not been
// built, the TypeScript sources through tsx (a dev dependency of the dmdet repository).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = new URL('../dist/cli.js', import.meta.url);
if (existsSync(dist) && !process.env.DMDET_FROM_SOURCE) {
  const { run } = await import(dist.href);
  process.exitCode = await run(process.argv.slice(2));
} else {
  let tsx;
  try {
    tsx = import.meta.resolve('tsx');
  } catch {
    process.stderr.write(
      'dmdet: this copy of @dmdet/pipeline is not built (no dist/cli.js); run `npm run build`\n',
    );
    process.exit(1);
  }
  const entry = fileURLToPath(new URL('../src/cli/entry.ts', import.meta.url));
  const result = spawnSync(
    process.execPath,
    ['--conditions=@dmdet/source', '--import', tsx, entry, ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  process.exitCode = result.status ?? 1;
}
