import { featuresFilePaths, writeFeatures } from "@fer/heads/node";
import type { EmbeddedDataset } from "./dataset-embedding.js";

/**
 * Writes embeddings as a `@fer/heads` features file with `@fer/heads/node`'s `writeFeatures` (the one writer of the
 * format: `<base>.json` header + `<base>.bin` float32 rows, both atomically), recording the featuriser that computed
 * them (`{ name: backbone, layer }`), so that a head fitted on them refuses another model's features.
 * `readFeatures` reads it back. Returns the two paths.
 */
export async function writeEmbeddingFeatures(base: string, emb: EmbeddedDataset, source: string): Promise<{ json: string; bin: string }> {
  await writeFeatures(base, {
    features: emb.features,
    labels: emb.labels,
    classes: emb.classes,
    ids: emb.ids,
    source,
    featuriser: { name: emb.backbone, layer: emb.layer },
  });
  const { json, bin } = featuresFilePaths(base);
  return { json, bin };
}
