/** Something that can show progress: the grid search and the CLI report through this. */
export interface ProgressSink {
  /** `done` of `total` steps finished; `label` says what is running. */
  update(done: number, total: number, label?: string): void;
  /** Finishes the display (e.g. ends the bar's line). */
  end(): void;
}

/**
 * A text progress bar on a stream (default stderr): redrawn in place on a terminal, otherwise printed as
 * a line at most every 10% so logs stay short.
 */
export class ProgressBar implements ProgressSink {
  private readonly stream: NodeJS.WriteStream;
  private readonly width: number;
  private readonly start = performance.now();
  private lastDecile = -1;
  private drawn = false;

  constructor(stream: NodeJS.WriteStream = process.stderr, width = 30) {
    this.stream = stream;
    this.width = width;
  }

  update(done: number, total: number, label = ""): void {
    const frac = total > 0 ? Math.min(1, done / total) : 1;
    const elapsed = (performance.now() - this.start) / 1000;
    const eta = frac > 0 ? (elapsed * (1 - frac)) / frac : NaN;
    const filled = Math.round(frac * this.width);
    const text = `[${"#".repeat(filled)}${"-".repeat(this.width - filled)}] ${done}/${total} ${(frac * 100).toFixed(0)}% ${fmt(elapsed)} elapsed${done < total && Number.isFinite(eta) ? `, ~${fmt(eta)} left` : ""}${label ? `  ${label}` : ""}`;
    if (this.stream.isTTY) {
      this.stream.write(`\r${text.slice(0, (this.stream.columns ?? 120) - 1).padEnd(Math.min(this.stream.columns ?? 120, 120) - 1)}`);
      this.drawn = true;
    } else {
      const decile = Math.floor(frac * 10);
      if (decile !== this.lastDecile || done === total) {
        this.lastDecile = decile;
        this.stream.write(`${text}\n`);
      }
    }
  }

  end(): void {
    if (this.drawn) this.stream.write("\n");
    this.drawn = false;
  }
}

function fmt(s: number): string {
  return s < 90 ? `${s.toFixed(1)}s` : s < 5400 ? `${(s / 60).toFixed(1)}min` : `${(s / 3600).toFixed(1)}h`;
}
