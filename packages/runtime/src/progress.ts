/** A one-line progress bar for long jobs, redrawn in place on a TTY and printed every few seconds otherwise. */
export interface ProgressBar {
  /** Sets the number of items done and optional extra text (e.g. "loss 1.23 acc 0.45"). */
  update(done: number, extra?: string): void;
  /** Prints the final state (`done` items, default all) and a newline. */
  finish(extra?: string, done?: number): void;
}

/** Options of {@link createProgressBar}. */
export interface ProgressBarOptions {
  readonly label: string;
  readonly total: number;
  /** Where to draw; default process.stderr. */
  readonly stream?: NodeJS.WriteStream;
  /** Seconds between lines when the stream is not a TTY; default 10. */
  readonly logEverySeconds?: number;
  /** Unit for the rate, e.g. "img"; default "it". */
  readonly unit?: string;
  /** Items already done before this bar started (a resumed job): counted in the bar, not in the rate. */
  readonly initial?: number;
}

/** Formats seconds as h:mm:ss or m:ss. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** Creates a progress bar with rate and ETA. */
export function createProgressBar(options: ProgressBarOptions): ProgressBar {
  const stream = options.stream ?? process.stderr;
  const tty = stream.isTTY === true;
  const every = (options.logEverySeconds ?? 10) * 1000;
  const unit = options.unit ?? "it";
  const start = Date.now();
  const initial = options.initial ?? 0;
  let lastLog = 0;
  const line = (done: number, extra: string): string => {
    const total = Math.max(options.total, 1);
    const frac = Math.min(done / total, 1);
    const width = 24;
    const filled = Math.round(frac * width);
    const elapsed = (Date.now() - start) / 1000;
    // Under half a second the rate is noise (a cached load finishes in milliseconds).
    const rate = elapsed >= 0.5 ? Math.max(done - initial, 0) / elapsed : 0;
    const eta = rate > 0 ? (options.total - done) / rate : Number.NaN;
    const bar = `${"=".repeat(filled)}${filled < width ? ">" : ""}${" ".repeat(Math.max(width - filled - 1, 0))}`;
    return `${options.label} [${bar}] ${done}/${options.total} ${rate > 0 ? rate.toFixed(1) : "-"} ${unit}/s ETA ${formatDuration(eta)}${extra ? ` ${extra}` : ""}`;
  };
  return {
    update(done, extra = "") {
      const now = Date.now();
      if (tty) {
        if (now - lastLog < 100) return;
        stream.write(`\r${line(done, extra)}\x1b[K`);
      } else {
        if (now - lastLog < every) return;
        stream.write(`${line(done, extra)}\n`);
      }
      lastLog = now;
    },
    finish(extra = "", done = options.total) {
      const elapsed = formatDuration((Date.now() - start) / 1000);
      stream.write(`${tty ? "\r" : ""}${line(done, extra)} in ${elapsed}${tty ? "\x1b[K" : ""}\n`);
    },
  };
}
