import { mkdir } from "node:fs/promises";
import { writeFilesAtomically } from "@fer/preprocess/node";
import path from "node:path";
import type { EmbeddedDataset } from "./dataset-embedding.js";

/**
 * Writes embeddings as a `@fer/heads` features file: `<base>.json` (header `format: "fer-features"`, version 1,
 * count, dim, labels, classes, ids, source) + `<base>.bin` (little-endian float32, row-major), both atomically.
 * `@fer/heads`' `readFeatures` reads it back. Returns the two paths.
 */
export async function writeEmbeddingFeatures(base: string, emb: EmbeddedDataset, source: string): Promise<{ json: string; bin: string }> {
  const stem = base.replace(/\.(json|bin)$/, "");
  const json = `${stem}.json`;
  const bin = `${stem}.bin`;
  await mkdir(path.dirname(path.resolve(json)), { recursive: true });
  const header = {
    format: "fer-features",
    version: 1,
    count: emb.features.rows,
    dim: emb.features.cols,
    dtype: "float32",
    byteOrder: "little",
    data: path.basename(bin),
    classes: [...emb.classes],
    labels: Array.from(emb.labels),
    ids: [...emb.ids],
    source,
  };
  const d = emb.features.data;
  await writeFilesAtomically([
    { path: bin, data: new Uint8Array(d.buffer, d.byteOffset, d.byteLength) },
    { path: json, data: JSON.stringify(header) },
  ]);
  return { json, bin };
}
