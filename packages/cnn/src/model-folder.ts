import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "@fer/preprocess/node";
import { MODEL_CARD_FORMAT, MODEL_CARD_VERSION, type ModelCard } from "./model-card.js";

/** File name of a model folder's card. */
export const CARD_JSON = "card.json";

/** Thrown when a model folder is missing, incomplete or of another format. */
export class ModelFolderError extends Error {
  constructor(readonly dir: string, detail: string, options?: { cause?: unknown }) {
    super(`Cannot load fer CNN model from ${dir}: ${detail}`, options);
    this.name = "ModelFolderError";
  }
}

/** Reads `file` of the model folder `dir`; a missing or unreadable file is a {@link ModelFolderError}. */
export async function readOrFail(dir: string, file: string): Promise<Buffer> {
  try {
    return await readFile(join(dir, file));
  } catch (e) {
    throw new ModelFolderError(dir, `${file} is missing or unreadable (${(e as Error).message})`);
  }
}

/** Reads and checks the card.json of a model folder. */
export async function readModelCard(dir: string): Promise<ModelCard> {
  let card: ModelCard;
  try {
    card = JSON.parse((await readOrFail(dir, CARD_JSON)).toString("utf8")) as ModelCard;
  } catch (e) {
    if (e instanceof ModelFolderError) throw e;
    throw new ModelFolderError(dir, `${CARD_JSON} is not valid JSON`);
  }
  if (card.format !== MODEL_CARD_FORMAT) throw new ModelFolderError(dir, `${CARD_JSON} is not a fer CNN model card`);
  if (card.version !== MODEL_CARD_VERSION) {
    throw new ModelFolderError(dir, `card version ${String(card.version)} is not supported (expected ${MODEL_CARD_VERSION})`);
  }
  return card;
}

/** Writes an updated card (e.g. with test accuracy) without touching the weights. */
export async function writeModelCard(dir: string, card: ModelCard): Promise<void> {
  await writeFileAtomic(join(dir, CARD_JSON), `${JSON.stringify(card, null, 2)}\n`);
}
