import { GENERAL_CENTRE, type GeneralOverrides, type GeneralParams, mergeGeneralParams } from '../src/index';

/** The `general` family's centre with a plain flat background (no cells, no brightness spread) and the given overrides. */
export function plainGeneral(overrides: GeneralOverrides): GeneralParams {
  const flat = mergeGeneralParams(GENERAL_CENTRE, {
    background: { cells: { brightness: 0 } },
    spots: { amplitudeSpread: 0, insideCells: 0 },
  });
  return mergeGeneralParams(flat, overrides);
}
