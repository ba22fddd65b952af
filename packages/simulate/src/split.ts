import { checkNumber, SimulateError } from './errors';
import { Random } from './random';

/** Options of {@link splitSamples}. */
export interface SplitOptions<T> {
  /** Seed of the shuffle. Default 0. */
  seed?: number;
  /** Fractions for train, validation and test. Default [0.5, 0.25, 0.25] (the paper's split). */
  fractions?: readonly [number, number, number];
  /** Split each group separately (e.g. by SNR level), so every group is divided in the same proportions. */
  groupBy?: (item: T) => string | number;
}

/** The three parts of a split, each in the order of the input. */
export interface Split<T> {
  train: T[];
  validation: T[];
  test: T[];
}

/** Sizes of the three parts of n items: floors of n·fraction, the remainder to the largest fractional parts. */
function partSizes(n: number, fractions: readonly [number, number, number]): [number, number, number] {
  const exact = fractions.map((f) => f * n);
  const sizes = exact.map(Math.floor) as [number, number, number];
  let left = n - sizes[0] - sizes[1] - sizes[2];
  const order = [0, 1, 2].sort(
    (a, b) => (exact[b] as number) - sizes[b]! - ((exact[a] as number) - sizes[a]!) || a - b,
  );
  for (const i of order) {
    if (left-- <= 0) break;
    sizes[i]!++;
  }
  return sizes;
}

/**
 * Splits any list into train / validation / test (50 / 25 / 25 % by default) with a seeded shuffle,
 * optionally within groups. Deterministic for a seed; each part keeps the input order.
 *
 * @example
 * const { train, validation, test } = splitSamples(samples, { seed: 1, groupBy: (s) => s.snr });
 */
export function splitSamples<T>(items: readonly T[], options: SplitOptions<T> = {}): Split<T> {
  const { seed = 0, fractions = [0.5, 0.25, 0.25], groupBy } = options;
  checkNumber('seed', seed, Number.isInteger, 'an integer');
  if (
    fractions.length !== 3 ||
    fractions.some((f) => !(f >= 0)) ||
    Math.abs(fractions[0] + fractions[1] + fractions[2] - 1) > 1e-9
  ) {
    throw new SimulateError(
      'INVALID_OPTION',
      `fractions must be three numbers >= 0 summing to 1, got ${JSON.stringify(fractions)}`,
    );
  }
  const groups = new Map<string | number, number[]>();
  items.forEach((item, i) => {
    const key = groupBy ? groupBy(item) : '';
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  });
  const part = new Array<number>(items.length);
  const rng = new Random(seed);
  for (const indices of groups.values()) {
    for (let i = indices.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [indices[i], indices[j]] = [indices[j] as number, indices[i] as number];
    }
    const [a, b] = partSizes(indices.length, fractions);
    indices.forEach((index, k) => {
      part[index] = k < a ? 0 : k < a + b ? 1 : 2;
    });
  }
  const out: Split<T> = { train: [], validation: [], test: [] };
  items.forEach((item, i) => {
    (part[i] === 0 ? out.train : part[i] === 1 ? out.validation : out.test).push(item);
  });
  return out;
}
