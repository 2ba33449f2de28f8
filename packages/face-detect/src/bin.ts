#!/usr/bin/env node
import { detectEval, detectFaces } from "./cli.js";

const commands: Record<string, (argv: string[]) => Promise<number>> = {
  "detect-eval": detectEval,
  detect: detectFaces,
};

const [command, ...rest] = process.argv.slice(2);
const run = command === undefined ? undefined : commands[command];
if (run === undefined) {
  process.stderr.write(`usage: fer-face-detect <${Object.keys(commands).join("|")}> [options]  (--help for each)\n`);
  process.exitCode = 2;
} else {
  process.exitCode = await run(rest);
}
// Threaded WebAssembly workers (FER_WASM_THREADS > 1) can keep Node alive once the work is done.
process.exit();
