/**
 * The benchmarks' Python references, checked before any work: a benchmark that needs numpy, scipy,
 * tifffile or torch says which Debian package to install instead of failing in a stack trace.
 */
import { spawnSync } from 'node:child_process';

/** Python modules the benchmarks import, and the Debian package of each. */
const DEBIAN: Record<string, string> = {
  numpy: 'python3-numpy',
  scipy: 'python3-scipy',
  tifffile: 'python3-tifffile',
  torch: 'python3-torch',
  skimage: 'python3-skimage',
  zarr: 'python3-zarr',
};

/** The Python interpreter the benchmarks run (`DMDET_PYTHON`, default Debian's `/usr/bin/python3`). */
export const PYTHON = process.env['DMDET_PYTHON'] ?? '/usr/bin/python3';

/**
 * Exits with a message naming what to install when `PYTHON` is missing or cannot import one of
 * `modules`; returns the interpreter's path otherwise.
 */
export function requirePython(benchmark: string, modules: readonly (keyof typeof DEBIAN)[]): string {
  const probe = spawnSync(PYTHON, ['-c', 'import sys; print(sys.version.split()[0])'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    console.error(
      `${benchmark}: needs Python 3 at ${PYTHON} for its reference (set DMDET_PYTHON to another interpreter), ` +
        `with ${modules.map((m) => DEBIAN[m]).join(', ')}: apt-get install python3 ${modules.map((m) => DEBIAN[m]).join(' ')}`,
    );
    process.exit(2);
  }
  const missing = modules.filter(
    (m) => spawnSync(PYTHON, ['-c', `import ${m}`], { encoding: 'utf8' }).status !== 0,
  );
  if (missing.length > 0) {
    const packages = missing.map((m) => DEBIAN[m] as string);
    console.error(
      `${benchmark}: its reference needs the Python module${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, missing from ${PYTHON}. ` +
        `Install ${packages.length > 1 ? 'them' : 'it'} with: apt-get install ${packages.join(' ')}`,
    );
    process.exit(2);
  }
  return PYTHON;
}
