const MICRONS_PER_UNIT: Record<string, number> = {
  µm: 1,
  um: 1,
  micron: 1,
  microns: 1,
  micrometer: 1,
  micrometre: 1,
  micrometers: 1,
  micrometres: 1,
  nm: 1e-3,
  nanometer: 1e-3,
  nanometre: 1e-3,
  nanometers: 1e-3,
  nanometres: 1e-3,
  mm: 1e3,
  millimeter: 1e3,
  millimetre: 1e3,
  cm: 1e4,
  m: 1e6,
  Å: 1e-4,
  angstrom: 1e-4,
  pm: 1e-6,
};

/**
 * µm per one of the given length unit (ImageJ and OME spellings, `\u00B5m` escapes and the Greek
 * mu included), or undefined for pixels and unknown units.
 */
export function micronsPerUnit(unit: string | undefined): number | undefined {
  if (unit === undefined) return undefined;
  const u = unit
    .trim()
    .replace(/\\u00b5/gi, 'µ')
    .replace(/\u03bc/g, 'µ')
    .replace(/^u(?=m$)/, 'µ');
  return MICRONS_PER_UNIT[u] ?? MICRONS_PER_UNIT[u.toLowerCase()];
}
