/**
 * Edits fields of a saved model's dmdet metadata (`model.json`, `userDefinedMetadata.dmdet`) in
 * place, leaving the rest of the file byte for byte (the weights manifest too): a formatted
 * model.json (the built-in ones) gets each field on one line, replacing its line or added after
 * `"threshold"`; one as `saveModel` writes it (a single line of JSON) is written again that way.
 * Then the repository's formatter (biome) lays it out.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A value as one line of JSON with a space after `:`, `,` and inside braces: `{ "a": [1, 2] }`. */
function oneLineJson(value: unknown): string {
  return JSON.stringify(value, null, 1).replace(/\n\s*/g, ' ').replace(/\[ /g, '[').replace(/ \]/g, ']');
}

/** JSON with every object's keys sorted: equal for equal values whatever the key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : x,
  );
}

/** Sets these metadata fields (top level of `userDefinedMetadata.dmdet`; `undefined` removes one) in `file`; throws, writing nothing, when they cannot be placed. */
export function setMetadataFields(file: string, fields: Record<string, unknown>): void {
  const text = readFileSync(file, 'utf8');
  const parsed = JSON.parse(text);
  const meta = parsed?.userDefinedMetadata?.dmdet;
  if (!meta || typeof meta !== 'object') throw new Error(`${file}: no userDefinedMetadata.dmdet`);
  for (const [name, value] of Object.entries(fields))
    if (value === undefined) delete meta[name];
    else meta[name] = value;
  let edited: string;
  if (!text.trimEnd().includes('\n')) edited = JSON.stringify(parsed);
  else {
    edited = text;
    for (const [name, value] of Object.entries(fields)) {
      // The field's own lines: one, or an object / array over several (closed at its indentation).
      const own = new RegExp(`^( *)"${name}": (?:[[{]\\n[\\s\\S]*?\\n\\1[\\]}]|[^\\n]*?)(,?)\\n`, 'm');
      const anchor = /^( *)"threshold": [^\n]*,\n/m;
      const line = (indent: string, comma: string) => `${indent}"${name}": ${oneLineJson(value)}${comma}\n`;
      if (value === undefined) edited = edited.replace(own, '');
      else if (own.test(edited))
        edited = edited.replace(own, (_m, indent: string, comma: string) => line(indent, comma));
      else if (anchor.test(edited))
        edited = edited.replace(anchor, (m, indent: string) => `${m}${line(indent, ',')}`);
      else throw new Error(`${file}: no "threshold" line to place ${name} after; nothing written`);
    }
  }
  if (canonical(JSON.parse(edited)) !== canonical(parsed))
    throw new Error(`${file}: could not place ${Object.keys(fields).join(', ')}; nothing written`);
  writeFileSync(file, edited);
  // As the repository's formatter lays JSON out (long values over several lines), so that lint passes.
  try {
    execFileSync('npx', ['biome', 'format', '--write', file], { stdio: 'ignore' });
  } catch {
    // Outside the repository's formatted files: left as written.
  }
}

/** One weight of a model's weights manifest. */
export type WeightSpec = { name: string; shape: number[]; dtype: string };

/** The parts of a saved model's `model.json` these tools read or edit. */
export interface ModelJson {
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
  userDefinedMetadata?: { dmdet?: Record<string, unknown> & { training?: Record<string, unknown> } };
  [key: string]: unknown;
}

/**
 * A model folder's parsed `model.json`, its weights (name, shape, dtype, in file order) and the path
 * of its one weights file; throws, naming the folder, for a manifest of more than one file.
 */
export function readModelFolder(dir: string): {
  json: ModelJson;
  weights: WeightSpec[];
  weightsPath: string;
} {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as ModelJson;
  const manifest = json.weightsManifest;
  if (manifest.length !== 1 || manifest[0]?.paths.length !== 1)
    throw new Error(
      `${dir}/model.json: expected one weights file, got ${JSON.stringify(manifest.map((g) => g.paths))}`,
    );
  return { json, weights: manifest[0].weights, weightsPath: join(dir, manifest[0].paths[0] as string) };
}

/**
 * Sets one term of a model's threshold rule (`thresholdRule[key]`; `undefined` removes it) in
 * `file`, the rule checked as `checkThresholdRule` would read it; returns the rule written.
 */
export function setThresholdRuleTerm(
  file: string,
  key: 'clutter' | 'valley' | 'decoy',
  term: Record<string, unknown> | undefined,
  check: (rule: unknown, label: string) => unknown,
): Record<string, unknown> {
  const rule = JSON.parse(readFileSync(file, 'utf8'))?.userDefinedMetadata?.dmdet?.thresholdRule;
  if (!rule) throw new Error(`${file}: the model has no thresholdRule to set its ${key} term in`);
  const { [key]: _old, ...rest } = rule;
  const next = term === undefined ? rest : { ...rest, [key]: term };
  check(next, `${file} thresholdRule`);
  setMetadataFields(file, { thresholdRule: next });
  return next;
}
