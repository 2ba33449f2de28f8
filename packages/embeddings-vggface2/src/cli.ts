import { parseArgs } from "node:util";
import { describeBackend, initBackend } from "@fer/runtime";
import { loadFolderDataset } from "@fer/preprocess/node";
import { BACKBONES, loadEmbedder } from "./backbones.js";
import { embedDataset } from "./dataset-embedding.js";
import { writeEmbeddingFeatures } from "./features-file.js";

const EMBED_USAGE = `usage: fer embed --data <folder of class folders> --out <features base path>
       [--backbone ${BACKBONES.join("|")}] [--layer <name>] [--weights <file or folder>]
       [--batch 32] [--cache <dir> | --no-cache]

Embeds every face of a <class>/<image> folder with a pretrained face network and writes a @fer/heads features
file (<out>.json + <out>.bin). Runs are cached on disk and resume after an interruption.
vggface2-resnet50 needs --weights: the Keras file rcmalli_vggface_tf_notop_resnet50.h5 or a TF.js layers folder.`;

/** `fer embed`: embeds a labelled face folder into a features file. Returns the exit code. */
export async function embed(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        data: { type: "string" },
        out: { type: "string" },
        backbone: { type: "string", default: "faceapi-resnet34" },
        layer: { type: "string" },
        weights: { type: "string" },
        batch: { type: "string", default: "32" },
        cache: { type: "string" },
        "no-cache": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${EMBED_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${EMBED_USAGE}\n`);
    return 0;
  }
  if (typeof values.data !== "string" || typeof values.out !== "string") {
    process.stderr.write(`--data and --out are required\n${EMBED_USAGE}\n`);
    return 2;
  }
  const batch = Number(values.batch);
  if (!Number.isInteger(batch) || batch < 1) {
    process.stderr.write(`--batch must be a positive integer\n`);
    return 2;
  }
  try {
    process.stderr.write(`backend: ${describeBackend(await initBackend())}\n`);
    const embedder = await loadEmbedder(String(values.backbone), {
      ...(typeof values.layer === "string" ? { layer: values.layer } : {}),
      ...(typeof values.weights === "string" ? { weights: values.weights } : {}),
    });
    try {
      const { dataset, problems } = await loadFolderDataset(values.data);
      for (const p of problems) process.stderr.write(`skipped ${p.file}: ${p.error.message}\n`);
      const [emb] = await embedDataset(embedder, dataset, {
        batchSize: batch,
        cacheDir: values["no-cache"] ? false : typeof values.cache === "string" ? values.cache : undefined,
        label: `${embedder.name}@${embedder.layer}`,
      });
      const { json } = await writeEmbeddingFeatures(values.out, emb!, `${embedder.name}@${embedder.layer}, ${values.data}`);
      process.stdout.write(`${dataset.count} faces x ${embedder.dim} -> ${json}\n`);
    } finally {
      embedder.dispose();
    }
    return 0;
  } catch (e) {
    process.stderr.write(`fer embed: ${(e as Error).message}\n`);
    return 1;
  }
}
