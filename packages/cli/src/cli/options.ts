import { parseArgs, type ParseArgsConfig } from "node:util";
import { isDetectorName, listDetectors, type DetectorName } from "@fer/face-detect";
import { MIN_MARGIN } from "@fer/preprocess";
import { DEFAULT_DETECTOR, isPresetName, type PipelineOptions } from "@fer/pipeline";

/** The parseArgs option specs every pipeline-building command shares. */
export const PIPELINE_FLAGS = {
  preset: { type: "string" },
  detector: { type: "string" },
  head: { type: "string" },
  cnn: { type: "string" },
  layer: { type: "string" },
  margin: { type: "string" },
  align: { type: "string" },
  "mirror-average": { type: "string" },
  help: { type: "boolean", short: "h", default: false },
} as const;

/** Help lines of {@link PIPELINE_FLAGS}. */
export const PIPELINE_FLAGS_HELP = `  --preset fast|accurate  fast (default): CNN features + fast head; accurate: pretrained face-network embeddings + SVM
  --detector NAME         ${listDetectors().map((d) => d.name).join(" | ")} (default ${DEFAULT_DETECTOR})
  --head FILE             a saved head (head.toJSON() as JSON, e.g. from fer fit-head) to swap in
  --cnn DIR               a CNN model folder written by fer train (default: the shipped one, or FER_CNN_DIR)
  --layer dense1|dense2   the CNN layer a swapped head reads (default: the head file's, else dense1)
  --margin X              crop margin: the square crop's side is (1 + 2X) x the face box's longer side, X in [-0.25, 1]
                          (default per detector; a negative X is written --margin=-0.05)
  --align on|off          turn faces upright (eyes level) before cropping, with detectors that give landmarks (yunet)
  --mirror-average on|off classify each face and its mirror image, averaging the probabilities (twice the CNN time;
                          default: as the head file says, on for the shipped fast head)`;

/**
 * Parses the arguments of `fer <command>` with `parseArgs` (its `options` include `help`). Returns the parsed values, or
 * the exit code when the command has nothing more to do: 2 after printing the parse error and `help` to stderr, 0
 * after printing `help` for `--help`.
 */
export function parseCommandArgs<T extends ParseArgsConfig>(command: string, help: string, config: T): ReturnType<typeof parseArgs<T>> | number {
  let parsed: ReturnType<typeof parseArgs<T>>;
  try {
    parsed = parseArgs(config);
  } catch (e) {
    process.stderr.write(`fer ${command}: ${(e as Error).message}\n${help}\n`);
    return 2;
  }
  if ((parsed.values as { help?: unknown }).help === true) {
    process.stdout.write(`${help}\n`);
    return 0;
  }
  return parsed;
}

/** Thrown for bad command-line values; the command prints it and exits with code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Builds {@link PipelineOptions} from the shared flags. */
export function pipelineOptionsFromFlags(values: {
  preset?: string | undefined;
  detector?: string | undefined;
  head?: string | undefined;
  cnn?: string | undefined;
  layer?: string | undefined;
  margin?: string | undefined;
  align?: string | undefined;
  "mirror-average"?: string | undefined;
}): PipelineOptions {
  const o: { -readonly [K in keyof PipelineOptions]: PipelineOptions[K] } = {};
  if (values.preset !== undefined) {
    if (!isPresetName(values.preset)) throw new UsageError(`--preset must be fast or accurate, got "${values.preset}"`);
    o.preset = values.preset;
  }
  if (values.detector !== undefined) {
    if (!isDetectorName(values.detector)) {
      throw new UsageError(`--detector must be one of ${listDetectors().map((d) => d.name).join(", ")}, got "${values.detector}"`);
    }
    o.detector = values.detector as DetectorName;
  }
  if (values.head !== undefined) o.head = values.head;
  if (values.cnn !== undefined) o.cnn = values.cnn;
  if (values.layer !== undefined) {
    if (values.layer !== "dense1" && values.layer !== "dense2") throw new UsageError(`--layer must be dense1 or dense2, got "${values.layer}"`);
    o.featureLayer = values.layer;
  }
  if (values.margin !== undefined) {
    const m = Number(values.margin);
    if (!Number.isFinite(m) || m < MIN_MARGIN || m > 1) throw new UsageError(`--margin must be a number in [${MIN_MARGIN}, 1], got "${values.margin}"`);
    o.margin = m;
  }
  if (values.align !== undefined) {
    if (values.align !== "on" && values.align !== "off") throw new UsageError(`--align must be on or off, got "${values.align}"`);
    o.align = values.align === "on";
  }
  const mirrorAverage = values["mirror-average"];
  if (mirrorAverage !== undefined) {
    if (mirrorAverage !== "on" && mirrorAverage !== "off") throw new UsageError(`--mirror-average must be on or off, got "${mirrorAverage}"`);
    o.mirrorAverage = mirrorAverage === "on";
  }
  return o;
}

/** Prints an error for the user: usage errors and the typed errors of fer packages as one line, others with a stack. */
export function reportFailure(command: string, e: unknown): number {
  const err = e instanceof Error ? e : new Error(String(e));
  const known = err instanceof UsageError || ["PipelineError", "FerImageError", "FerDatasetError", "HeadError", "FaceDetectError", "ModelFolderError", "DatasetMismatchError", "EmbeddingError", "BackendUnavailableError", "TargetsFileError"].includes(err.name);
  process.stderr.write(`fer ${command}: ${known ? err.message : (err.stack ?? err.message)}\n`);
  return err instanceof UsageError ? 2 : 1;
}

/** The exit code of a run stopped by a signal (128 + its number, as a shell reports it). */
export const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Listens for SIGINT and SIGTERM while a command runs: the first one sets `signal`, aborts `abort` (the command stops
 * taking inputs and finishes cleanly) and says `fer <command>: <SIG>: <doing> (again to stop at once)`; a second one
 * exits at once with {@link SIGNAL_EXIT}'s code. `dispose()` restores the default handling.
 */
export function stopOnSignals(command: string, doing: string): { readonly signal: string | undefined; readonly abort: AbortSignal; dispose(): void } {
  const state = { signal: undefined as string | undefined };
  const controller = new AbortController();
  const handler = (sig: NodeJS.Signals): void => {
    if (state.signal !== undefined) process.exit(SIGNAL_EXIT[sig] ?? 1);
    state.signal = sig;
    process.stderr.write(`\nfer ${command}: ${sig}: ${doing} (again to stop at once)\n`);
    controller.abort(new Error(`stopped by ${sig}`));
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return {
    get signal() {
      return state.signal;
    },
    abort: controller.signal,
    dispose() {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    },
  };
}
