#!/usr/bin/env node
/** `fer-preprocess <command> [args]`: runs one of the commands of `./cli`. */
import { benchCommand, commands } from "./cli.js";

const [name, ...rest] = process.argv.slice(2);
const all: Record<string, (argv: string[]) => Promise<number>> = { ...commands, bench: benchCommand };
const cmd = name ? all[name] : undefined;
if (!cmd) {
  console.error(`usage: fer-preprocess <${Object.keys(all).join(" | ")}> [args]`);
  process.exitCode = 2;
} else {
  process.exitCode = await cmd(rest);
}
