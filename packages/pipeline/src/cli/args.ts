import { type ParseArgsConfig, parseArgs } from 'node:util';

/** A mistake in how the command was called: exit code 2, with the command's usage. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Parses a command's arguments strictly; unknown options and missing values are usage errors. */
export function parse(
  command: string,
  argv: string[],
  options: NonNullable<ParseArgsConfig['options']>,
): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as Record<string, string | boolean | string[] | undefined>, positionals };
  } catch (e) {
    throw new UsageError(
      (e as Error).message.replace(/\. To specify a positional argument.*$/s, ''),
      command,
    );
  }
}

/** A number option: integer or not, with bounds; a usage error names the option and what it expects. */
export function numberOption(
  command: string,
  name: string,
  value: unknown,
  opts: { integer?: boolean; min?: number; max?: number } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  const ok =
    typeof value === 'string' &&
    value.trim() !== '' &&
    Number.isFinite(n) &&
    (!opts.integer || Number.isInteger(n)) &&
    (opts.min === undefined || n >= opts.min) &&
    (opts.max === undefined || n <= opts.max);
  if (!ok) {
    const what = [
      opts.integer ? 'an integer' : 'a number',
      opts.min !== undefined ? `>= ${opts.min}` : '',
      opts.max !== undefined ? `<= ${opts.max}` : '',
    ]
      .filter(Boolean)
      .join(' ');
    throw new UsageError(`--${name} must be ${what}, got ${JSON.stringify(value)}`, command);
  }
  return n;
}

/** A `z,y,x` triple option. */
export function tripleOption(
  command: string,
  name: string,
  value: unknown,
  opts: { integer?: boolean; positive?: boolean } = {},
): [number, number, number] | undefined {
  if (value === undefined) return undefined;
  const parts = String(value)
    .split(/[,x×]/)
    .map((s) => Number(s.trim()));
  if (
    parts.length !== 3 ||
    parts.some(
      (n) => !Number.isFinite(n) || (opts.integer && !Number.isInteger(n)) || (opts.positive && n <= 0),
    )
  ) {
    throw new UsageError(
      `--${name} must be three ${opts.positive ? 'positive ' : ''}${opts.integer ? 'integers' : 'numbers'} z,y,x, got ${JSON.stringify(value)}`,
      command,
    );
  }
  return parts as [number, number, number];
}

/** A `xy,z` pair of positive numbers (a spot size). */
export function pairOption(
  command: string,
  name: string,
  value: unknown,
): { xy: number; z: number } | undefined {
  if (value === undefined) return undefined;
  const parts = String(value)
    .split(',')
    .map((s) => Number(s.trim()));
  if (parts.length !== 2 || parts.some((n) => !Number.isFinite(n) || n <= 0))
    throw new UsageError(
      `--${name} must be two positive numbers xy,z (the spot's Gaussian σ in-plane and along z), got ${JSON.stringify(value)}`,
      command,
    );
  return { xy: parts[0] as number, z: parts[1] as number };
}

/** A comma-separated list option. */
export function listOption(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  return String(value)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
