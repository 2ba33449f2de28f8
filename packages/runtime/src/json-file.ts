import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";

/** Thrown by `readManifestWeights` (`@fer/runtime/tfjs`) and {@link readJsonFile}: `missing-weights` or `bad-weights-layout`, naming the file. */
export class WeightsFileError extends Error {
  constructor(
    readonly kind: "missing-weights" | "bad-weights-layout",
    message: string,
    readonly file: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "WeightsFileError";
  }
}

/** Reads and parses a JSON file, throwing `missing-weights` when it does not exist and `bad-weights-layout` when it is not JSON. */
export async function readJsonFile(file: string): Promise<unknown> {
  if (!existsSync(file)) throw new WeightsFileError("missing-weights", `${file} does not exist`, file);
  try {
    return JSON.parse(await readFile(file, "utf8")) as unknown;
  } catch (e) {
    throw new WeightsFileError("bad-weights-layout", `${file} is not a JSON file: ${(e as Error).message}`, file, { cause: e });
  }
}
