/**
 * The `fer` command line: `main(argv)` dispatches to the subcommands (see `COMMANDS`); each subcommand is also
 * exported as `(argv: string[]) => Promise<number>` (the exit code).
 */
export { main, helpText, COMMANDS, type Command, type CommandEntry } from "./cli/commands.js";
export { analyzeCommand } from "./cli/analyze.js";
export { evalCommand } from "./cli/eval.js";
export { featuresCommand } from "./cli/features.js";
export { calibrateMarginCommand } from "./cli/calibrate.js";
export { drawConfusionHeatmap, drawCountsChart } from "./report/charts.js";
export { writeReport, reportMarkdown, perClassTable, confusionTable } from "./report/markdown.js";
export {
  BACKGROUND_KINDS,
  portraitSpec,
  renderPortrait,
  boxIou,
  type BackgroundKind,
  type BackgroundPhoto,
  type PortraitOptions,
  type PortraitSpec,
  type SyntheticPortrait,
} from "./synth/portraits.js";
export {
  evaluateSyntheticPortraits,
  matchFace,
  rangeOf,
  describeFraming,
  SCALE_BUCKETS,
  ANGLE_BUCKETS,
  type FramingConfig,
  type SynthEvalOptions,
  type SynthEvalResult,
  type DetectionSummary,
  type DetectorOutcome,
  type FramingAccuracy,
} from "./synth/evaluate.js";
