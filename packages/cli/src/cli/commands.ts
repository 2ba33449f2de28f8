/** A `fer` subcommand: takes its arguments (after the command name) and resolves to the exit code. */
export type Command = (argv: string[]) => Promise<number>;

/** Where a subcommand lives: a module (loaded only when the command runs) and its exported function. */
export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  readonly module: string;
  readonly exportName: string;
}

/**
 * Every `fer` subcommand. The modules of the other packages are imported lazily (on first use), so a slow or broken
 * package does not slow down or break the other commands.
 */
export const COMMANDS: readonly CommandEntry[] = [
  { name: "analyze", summary: "find the faces in photos, classify their emotions, write annotated images / JSON", module: "./analyze.js", exportName: "analyzeCommand" },
  { name: "eval", summary: "evaluate on a labelled <root>/<class>/* folder: accuracy, per-class table, confusion matrix, report", module: "./eval.js", exportName: "evalCommand" },
  { name: "features", summary: "extract CNN features of a labelled folder to a features file (for fit-head)", module: "./features.js", exportName: "featuresCommand" },
  { name: "calibrate-margin", summary: "measure the crop margin that makes a detector's crops frame faces like FER2013", module: "./calibrate.js", exportName: "calibrateMarginCommand" },
  { name: "synth-eval", summary: "detection rate and framing cost on synthetic portraits of FER2013 validation faces", module: "./synth-eval.js", exportName: "synthEvalCommand" },
  { name: "fit-head", summary: "fit a head (softmax, svm, random-forest, knn, bagging-svm) on a features file  [@fer/heads]", module: "@fer/heads/cli", exportName: "fitHead" },
  { name: "grid-search", summary: "grid-search a head's parameters on a validation split  [@fer/heads]", module: "@fer/heads/cli", exportName: "gridSearch" },
  { name: "train", summary: "train one of the study's CNNs (A-G)  [@fer/cnn]", module: "@fer/cnn/cli", exportName: "train" },
  { name: "cnn-eval", summary: "accuracy of a trained CNN on a labelled folder  [@fer/cnn]", module: "@fer/cnn/cli", exportName: "cnnEval" },
  { name: "cnn-experiments", summary: "the study's architecture / preprocessing tables  [@fer/cnn]", module: "@fer/cnn/cli", exportName: "cnnExperiments" },
  { name: "detect", summary: "print the faces a detector finds in images  [@fer/face-detect]", module: "@fer/face-detect/cli", exportName: "detectFaces" },
  { name: "detect-eval", summary: "measure face detectors on WIDER FACE  [@fer/face-detect]", module: "@fer/face-detect/cli", exportName: "detectEval" },
  { name: "embed", summary: "pretrained-network embeddings of a labelled folder  [@fer/embeddings-vggface2]", module: "@fer/embeddings-vggface2/cli", exportName: "embed" },
  { name: "dataset-info", summary: "class counts of a labelled folder  [@fer/preprocess]", module: "@fer/preprocess/cli", exportName: "datasetInfoCommand" },
  { name: "unhelpful-images", summary: "find blank and duplicate training images  [@fer/preprocess]", module: "@fer/preprocess/cli", exportName: "unhelpfulImagesCommand" },
];

/** The `fer --help` text. */
export function helpText(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "usage: fer <command> [options]   (fer <command> --help for a command's options)",
    "",
    "commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "The TensorFlow.js backend and the inference engine are chosen by @fer/runtime (FER_TF_BACKEND=wasm|cpu, FER_ENGINE=onnxruntime|tfjs force one).",
  ].join("\n");
}

/** Loads a command's function, or explains why it is not available. */
export async function loadCommand(entry: CommandEntry): Promise<Command> {
  // A string variable keeps tsc from resolving subpaths other packages may not export yet.
  const specifier: string = entry.module;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(specifier)) as Record<string, unknown>;
  } catch (cause) {
    throw new Error(`fer ${entry.name}: cannot load ${entry.module} (${(cause as Error).message})`, { cause });
  }
  const fn = mod[entry.exportName];
  if (typeof fn !== "function") throw new Error(`fer ${entry.name}: ${entry.module} does not export ${entry.exportName}() yet`);
  return fn as Command;
}

/** Runs `fer <argv>`: dispatches to the subcommand and resolves to the exit code (2 for usage errors). */
export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(`${helpText()}\n`);
    return name === undefined ? 2 : 0;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (entry === undefined) {
    process.stderr.write(`fer: unknown command "${name}"\n\n${helpText()}\n`);
    return 2;
  }
  let command: Command;
  try {
    command = await loadCommand(entry);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  try {
    return await command(rest);
  } catch (e) {
    // A subcommand that throws instead of returning an exit code: one line for option errors, the stack otherwise.
    const err = e instanceof Error ? e : new Error(String(e));
    const usage = (err as NodeJS.ErrnoException).code?.startsWith("ERR_PARSE_ARGS") === true;
    process.stderr.write(`fer ${name}: ${usage ? err.message : (err.stack ?? err.message)}\n`);
    return usage ? 2 : 1;
  }
}
