/**
 * The `fer` command line: `main(argv)` dispatches to the subcommands (see `COMMANDS`); each subcommand is also
 * exported as `(argv: string[]) => Promise<number>` (the exit code).
 */
export { main, helpText, COMMANDS, type Command, type CommandEntry } from "./cli/commands.js";
export { analyzeCommand } from "./cli/analyze.js";
export { evalCommand } from "./cli/eval.js";
export { featuresCommand } from "./cli/features.js";
export { calibrateMarginCommand } from "./cli/calibrate.js";
