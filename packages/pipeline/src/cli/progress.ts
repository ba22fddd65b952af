/** Where the CLI writes: stdout for results, stderr for progress and messages. */
export interface CliIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown; isTTY?: boolean; columns?: number };
}

/** A duration as `42 s`, `3 min 05 s` or `1 h 02 min`. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/**
 * Progress on stderr: a bar redrawn in place on a terminal, plain lines (at most one per 10 %) when
 * stderr is a file or a pipe, nothing when quiet.
 */
export class Progress {
  private lastTenth = -1;
  private drawn = false;
  private readonly started = Date.now();

  constructor(
    private readonly io: CliIo,
    private readonly label: string,
    private readonly quiet = false,
  ) {}

  /** Reports `done` of `total` (with an optional note such as the current loss). */
  update(done: number, total: number, note = ''): void {
    if (this.quiet) return;
    const elapsed = Date.now() - this.started;
    const seconds = (elapsed / 1000).toFixed(0);
    const eta = done > 0 && done < total ? `, ETA ${formatDuration((elapsed / done) * (total - done))}` : '';
    if (this.io.stderr.isTTY) {
      const width = 24;
      const filled = total > 0 ? Math.round((done / total) * width) : 0;
      const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
      this.io.stderr.write(
        `\r${this.label} [${bar}] ${done}/${total} ${seconds}s${eta} ${note}`
          .padEnd(79)
          .slice(0, Math.max(40, (this.io.stderr.columns ?? 80) - 1)),
      );
      this.drawn = true;
      if (done >= total) this.finish();
      return;
    }
    const tenth = total > 0 ? Math.floor((done / total) * 10) : 10;
    if (tenth === this.lastTenth && done < total) return;
    this.lastTenth = tenth;
    this.io.stderr.write(`${this.label}: ${done}/${total} (${seconds} s${eta})${note ? ` ${note}` : ''}\n`);
  }

  /** Ends a bar's line. */
  finish(): void {
    if (this.drawn) this.io.stderr.write('\n');
    this.drawn = false;
  }
}
