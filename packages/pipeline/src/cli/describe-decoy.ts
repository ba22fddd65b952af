/**
 * How the CLI says that the threshold rule's decoy term ran (`detect`'s `decoy`, or
 * `detectInBlocks`'): what the decoy map showed and whether it raised the threshold, or undefined
 * when it did not run.
 */
export function describeDecoy(result: {
  ruleThreshold?: number;
  decoy?:
    | { decoys: number; maxima: number; raise: number; dropped?: number }
    | { blocks: number; raised: number };
}): string | undefined {
  const decoy = result.decoy;
  if (!decoy) return undefined;
  const skip = '(--no-decoy skips it)';
  if ('blocks' in decoy)
    return `decoy check in ${decoy.blocks} cluttered block${decoy.blocks === 1 ? '' : 's'}: threshold raised in ${decoy.raised} ${skip}`;
  const at = result.ruleThreshold !== undefined ? ` ${result.ruleThreshold.toFixed(3)}` : '';
  const seen = `the volume mirrored about its background has ${decoy.decoys} map maxima above the threshold${at} against the volume's ${decoy.maxima}`;
  if (decoy.raise > 0)
    return `decoy check: ${seen}, so grains pass it too: raised by ${decoy.raise.toFixed(3)} ${skip}`;
  if (decoy.dropped !== undefined)
    return `decoy check: ${seen}: kept, as a raise of ${decoy.dropped.toFixed(3)} would keep under a tenth of the detections (the spots score as the decoy's maxima do) ${skip}`;
  return `decoy check: ${seen}: kept ${skip}`;
}
