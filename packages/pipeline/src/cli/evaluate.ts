import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { GroupSummary, Point3 } from '@dmdet/metrics';
import { readPointsCsvFile } from '@dmdet/volume-io/node';
import { PipelineError } from '../errors';
import { type EvaluationItem, evaluateMany } from '../evaluate';
import { numberOption, parse, UsageError } from './args';
import type { CliIo } from './progress';

export const EVALUATE_HELP = `Usage: dmdet evaluate --truth <gt.csv…> --detections <det.csv…> [options]
       dmdet evaluate --manifest <manifest.json> --detections <folder> [options]

Scores detections against ground truth: optimal one-to-one matching within the gate (voxels),
then TP, FP, FN, precision, recall, F1 and RMSE per file, and mean ± std per group.

Options:
  --truth <csv>         ground-truth CSV (repeat for several files, paired in order)
  --detections <csv>    detections CSV (repeat), or with --manifest the folder holding <id>.csv
  --manifest <json>     a dataset manifest (dmdet simulate): groups by SNR
  --split <name>        with --manifest: train, validation, test (default) or all
  --gate <voxels>       largest distance of a match (default 5)
  --json                print results as JSON

Examples:
  dmdet evaluate --truth gt.csv --detections det.csv
  dmdet evaluate --manifest data/manifest.json --detections detections/ --split test
`;

const fmt = (m: { mean: number; std: number }) =>
  Number.isFinite(m.mean) ? `${m.mean.toFixed(3)} ± ${m.std.toFixed(3)}` : 'n/a';

/** A plain-text table of group summaries. */
export function summaryTable(groups: readonly GroupSummary[]): string {
  const lines = ['group        n   F1              precision       recall          RMSE (voxels)'];
  for (const g of groups) {
    lines.push(
      `${String(g.group).padEnd(10)} ${String(g.n).padStart(3)}   ${fmt(g.f1).padEnd(15)} ${fmt(g.precision).padEnd(15)} ${fmt(g.recall).padEnd(15)} ${fmt(g.rmse)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

const readPoints = async (path: string): Promise<Point3[]> =>
  (await readPointsCsvFile(path)).map(({ x, y, z }) => ({ x, y, z }));

export async function evaluateCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parse('evaluate', argv, {
    truth: { type: 'string', multiple: true },
    detections: { type: 'string', multiple: true },
    manifest: { type: 'string' },
    split: { type: 'string' },
    gate: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values['help']) {
    io.stdout.write(EVALUATE_HELP);
    return 0;
  }
  const gate = numberOption('evaluate', 'gate', values['gate'], { min: 0 }) ?? 5;
  const truth = (values['truth'] as string[] | undefined) ?? [];
  const detections = (values['detections'] as string[] | undefined) ?? [];
  const manifestPath = values['manifest'] as string | undefined;
  const items: EvaluationItem[] = [];
  if (manifestPath) {
    if (truth.length) throw new UsageError('give either --manifest or --truth, not both', 'evaluate');
    if (detections.length !== 1)
      throw new UsageError('with --manifest, --detections names one folder of <id>.csv files', 'evaluate');
    const split = (values['split'] as string | undefined) ?? 'test';
    if (!['train', 'validation', 'test', 'all'].includes(split))
      throw new UsageError(
        `--split must be train, validation, test or all, got ${JSON.stringify(split)}`,
        'evaluate',
      );
    const { readFile } = await import('node:fs/promises');
    const manifest = JSON.parse(
      await readFile(manifestPath, 'utf8').catch((e) => {
        throw new PipelineError('NOT_FOUND', `${manifestPath}: ${(e as Error).message}`);
      }),
    ) as { samples?: { id: string; truth: string; snr: number; split: string }[] };
    if (!Array.isArray(manifest.samples))
      throw new PipelineError('INVALID_INPUT', `${manifestPath}: not a dataset manifest (no samples list)`);
    const root = join(manifestPath, '..');
    for (const s of manifest.samples) {
      if (split !== 'all' && s.split !== split) continue;
      const candidates = [
        join(detections[0] as string, `${s.id}.csv`),
        join(detections[0] as string, `${s.id}.detections.csv`),
      ];
      let found: string | undefined;
      for (const c of candidates)
        if (
          !found &&
          (await access(c).then(
            () => true,
            () => false,
          ))
        )
          found = c;
      if (!found)
        throw new PipelineError(
          'NOT_FOUND',
          `no detections for ${s.id}: expected ${candidates.join(' or ')}`,
        );
      items.push({
        id: s.id,
        group: `SNR ${s.snr}`,
        truth: await readPoints(join(root, s.truth)),
        detections: await readPoints(found),
      });
    }
    if (items.length === 0)
      throw new PipelineError('INVALID_INPUT', `${manifestPath}: no samples in split ${split}`);
  } else {
    if (truth.length === 0 || detections.length === 0)
      throw new UsageError('give --truth and --detections (or --manifest and --detections)', 'evaluate');
    if (truth.length !== detections.length)
      throw new UsageError(
        `--truth and --detections pair up in order: got ${truth.length} truth and ${detections.length} detection files`,
        'evaluate',
      );
    for (const [i, t] of truth.entries())
      items.push({
        id: detections[i] as string,
        truth: await readPoints(t),
        detections: await readPoints(detections[i] as string),
      });
  }
  const { rows, groups } = evaluateMany(items, { gate });
  if (values['json']) {
    io.stdout.write(`${JSON.stringify({ gate, rows, groups }, null, 2)}\n`);
    return 0;
  }
  for (const r of rows) {
    const s = r.scores;
    io.stdout.write(
      `${r.id}: F1 ${s.f1.toFixed(3)}, precision ${s.precision.toFixed(3)}, recall ${s.recall.toFixed(3)}, RMSE ${Number.isFinite(s.rmse) ? s.rmse.toFixed(3) : 'n/a'} (TP ${s.tp}, FP ${s.fp}, FN ${s.fn})\n`,
    );
  }
  if (rows.length > 1 || manifestPath) io.stdout.write(`\n${summaryTable(groups)}`);
  return 0;
}
