import type { DetectResult } from '../detect';

/** How the CLI names the threshold a detection used and where it came from. */
export function describeThreshold(result: {
  threshold: number;
  thresholdSource: DetectResult['thresholdSource'];
  signal?: number;
  clutter?: number;
  clutterRaise?: number;
  clutterRaiseDropped?: number;
  valleyShift?: number;
  blockThresholds?: number[];
}): string {
  const b = result.blockThresholds;
  const lo = b && b.length > 1 ? Math.min(...b) : result.threshold;
  const hi = b && b.length > 1 ? Math.max(...b) : result.threshold;
  const value =
    hi - lo >= 0.0005
      ? `threshold ${lo.toFixed(3)}–${hi.toFixed(3)} over ${b?.length} blocks`
      : `threshold ${result.threshold.toFixed(3)}`;
  switch (result.thresholdSource) {
    case 'given':
      return `${value}, given`;
    case 'signal':
      return result.signal !== undefined
        ? `${value}, from the volume's signal ${result.signal.toFixed(2)}${raisedForClutter(result)}${movedToValley(result)}`
        : `${value}, from each block's signal`;
    case 'crowded':
      return `${value}, the model's for a faint volume crowded with spots${result.signal !== undefined ? ` (signal ${result.signal.toFixed(2)})` : ''}${movedToValley(result)}`;
    case 'sparse':
      return `${value}, the model's for a volume with few confident spots${movedToValley(result)}`;
    case 'model':
      return `${value}, the model's`;
    default:
      return `${value}, the default`;
  }
}

/**
 * ", raised by R for clutter C …" where the rule's clutter term raised the threshold, ", not raised
 * for clutter C …" where its raise was not applied, else "".
 */
function raisedForClutter(result: {
  clutter?: number;
  clutterRaise?: number;
  clutterRaiseDropped?: number;
}): string {
  if (result.clutter === undefined) return '';
  if (result.clutterRaiseDropped !== undefined && result.clutterRaiseDropped > 0)
    return `, not raised for clutter ${result.clutter.toFixed(2)} (a raise of ${result.clutterRaiseDropped.toFixed(3)} would have kept under a tenth of the detections: the spots score below confident here)`;
  if (!(result.clutterRaise !== undefined && result.clutterRaise > 0)) return '';
  return `, raised by ${result.clutterRaise.toFixed(3)} for clutter ${result.clutter.toFixed(2)} (map maxima just below confident per confident one: grains or noise peaks shaped like spots)`;
}

/**
 * ", lowered (raised) by D to the valley of the map's scores …" where the rule's valley term moved
 * the threshold, else "".
 */
function movedToValley(result: { valleyShift?: number }): string {
  const d = result.valleyShift;
  if (d === undefined || d === 0) return '';
  return d < 0
    ? `, lowered by ${(-d).toFixed(3)} to the valley between the map's top scores and the rest`
    : `, raised by ${d.toFixed(3)} to the valley between the map's top scores and the clutter below them`;
}
