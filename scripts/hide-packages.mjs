// `node --import <this file> ...`: makes the packages named in FER_HIDE_PACKAGES (comma-separated) unresolvable, as
// if they were not installed (ERR_MODULE_NOT_FOUND naming them), and appends every attempt to import one to the file
// FER_HIDE_LOG (one specifier and importer per line). Tests use it to prove an import graph does not load a package
// the workspace has installed (e.g. the fast preset without @tensorflow/tfjs-layers).
import { register } from "node:module";

const hooks = `
import { appendFileSync } from "node:fs";
const hidden = (process.env.FER_HIDE_PACKAGES ?? "").split(",").filter(Boolean);
const log = process.env.FER_HIDE_LOG;
export async function resolve(specifier, context, next) {
  const name = hidden.find((p) => specifier === p || specifier.startsWith(p + "/"));
  if (name === undefined) return next(specifier, context);
  if (log) appendFileSync(log, specifier + " from " + (context.parentURL ?? "?") + "\\n");
  const error = new Error("Cannot find package '" + name + "' imported from " + (context.parentURL ?? "?"));
  error.code = "ERR_MODULE_NOT_FOUND";
  throw error;
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
