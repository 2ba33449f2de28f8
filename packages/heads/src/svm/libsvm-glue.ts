import { readFileSync } from "node:fs";
import { createRequire, Module } from "node:module";
import path from "node:path";
import { compileFunction } from "node:vm";

/**
 * The clause of the emscripten runtime's `MEMFS.expandFileStorage` (in both builds of libsvm-js 0.2.1) that turns a
 * file's Uint8Array into a plain JavaScript array, which the same function then grows with one `push(0)` per byte.
 */
export const MEMFS_REGULAR_ARRAY_CLAUSE =
  "if(node.contents&&node.contents.subarray&&newCapacity>node.contents.length){node.contents=MEMFS.getFileDataAsRegularArray(node);node.usedBytes=node.contents.length}";

/**
 * libsvm-js's `serializeModel()` has libsvm write the model with `svm_save_model` into a file of emscripten's
 * in-memory file system (MEMFS) and reads it back. That MEMFS version keeps a file in a Uint8Array only until a
 * write extends it; from then on the file is a plain JavaScript array of one number per byte (8 bytes of V8 heap per
 * character), grown by `push`. V8 aborts the whole process once such an array passes 112,813,858 elements ("Fatal
 * JavaScript invalid size error 169220804": the next capacity, beyond FixedArray's maximum length), so any model
 * text above ~112.8 MB (about 14,000 support vectors of 512 features) killed the process right after training.
 * Without the clause, `expandFileStorage` grows the Uint8Array instead (doubling, then x1.125 above 1 MB), as later
 * emscripten versions do; reads and writes already handle typed-array contents.
 */
export function patchGlueSource(source: string, file: string): string {
  const at = source.indexOf(MEMFS_REGULAR_ARRAY_CLAUSE);
  if (at < 0 || source.indexOf(MEMFS_REGULAR_ARRAY_CLAUSE, at + 1) >= 0) {
    throw new Error(`libsvm-js: ${file} is not the emscripten runtime of libsvm-js 0.2.1 (its MEMFS cannot be patched); @fer/heads needs libsvm-js 0.2.1`);
  }
  return source.slice(0, at) + source.slice(at + MEMFS_REGULAR_ARRAY_CLAUSE.length);
}

const patchedModules = new WeakSet<object>();

/**
 * Loads libsvm-js's emscripten runtime `specifier` (e.g. "libsvm-js/out/wasm/libsvm.js") with
 * {@link patchGlueSource} applied, as a CommonJS module. It is registered in `require.cache` under its own path, so
 * code that requires the same file afterwards shares this instance (and its heap). If another, unpatched copy was
 * loaded first, a separate patched instance is returned instead.
 */
export function requirePatchedGlue(specifier: string): unknown {
  const require = createRequire(import.meta.url);
  const file = require.resolve(specifier);
  const cached = require.cache[file];
  if (cached && patchedModules.has(cached)) return cached.exports;
  const source = patchGlueSource(readFileSync(file, "utf8"), file);
  const mod = new Module(file);
  mod.filename = file;
  const run = compileFunction(source, ["exports", "require", "module", "__filename", "__dirname"], { filename: file });
  run.call(mod.exports, mod.exports, createRequire(file), mod, file, path.dirname(file));
  mod.loaded = true;
  patchedModules.add(mod);
  if (!cached) require.cache[file] = mod;
  return mod.exports;
}
