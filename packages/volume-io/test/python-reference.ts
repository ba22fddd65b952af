import { execFileSync } from 'node:child_process';

/** The Python with numpy + tifffile (Debian's), or undefined when this machine has none. */
export function referencePython(): string | undefined {
  const python = process.env['DMDET_PYTHON'] ?? '/usr/bin/python3';
  try {
    execFileSync(python, ['-c', 'import numpy, tifffile'], { stdio: 'ignore' });
    return python;
  } catch {
    if (process.env['DMDET_REQUIRE_PYTHON'] === '1') {
      throw new Error(`DMDET_REQUIRE_PYTHON=1 but ${python} cannot import numpy and tifffile`);
    }
    return undefined;
  }
}
