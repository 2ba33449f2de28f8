import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "@fer/preprocess/node";
import type { ModelCard } from "./model-card.js";
import { CARD_JSON, ModelFolderError, parseModelCard } from "./model-data.js";

export { CARD_JSON, ModelFolderError };

/** Reads `file` of the model folder `dir`; a missing or unreadable file is a {@link ModelFolderError}. */
export async function readOrFail(dir: string, file: string): Promise<Buffer> {
  try {
    return await readFile(join(dir, file));
  } catch (e) {
    throw new ModelFolderError(dir, `${file} is missing or unreadable (${(e as Error).message})`);
  }
}

/** Reads and checks the card.json of a model folder. @throws {ModelFolderError} */
export async function readModelCard(dir: string): Promise<ModelCard> {
  return parseModelCard(dir, (await readOrFail(dir, CARD_JSON)).toString("utf8"));
}

/** Writes an updated card (e.g. with test accuracy) without touching the weights. */
export async function writeModelCard(dir: string, card: ModelCard): Promise<void> {
  await writeFileAtomic(join(dir, CARD_JSON), `${JSON.stringify(card, null, 2)}\n`);
}
