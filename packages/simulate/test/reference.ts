import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Values computed by fixtures/make_fixtures.py (Python xoshiro128**, scipy). */
export const reference: {
  uint32: Record<string, number[]>;
  poissonPmf: Record<string, number[]>;
  logGamma: Record<string, number>;
  erfc: Record<string, number>;
} = JSON.parse(
  readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'reference.json'), 'utf8'),
);

/** Upper critical value of chi-square with `df` degrees of freedom at p = 0.001 (Wilson–Hilferty). */
export function chiSquareCritical001(df: number): number {
  const z = 3.0902;
  const a = 2 / (9 * df);
  return df * (1 - a + z * Math.sqrt(a)) ** 3;
}
