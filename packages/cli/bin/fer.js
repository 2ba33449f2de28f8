#!/usr/bin/env node
// The `fer` command: photo in, annotated faces and emotions out (see `fer --help`).
import { main } from "../dist/cli/commands.js";

process.exitCode = await main(process.argv.slice(2));
