import path from "node:path";
import { cnnFeaturiserId, loadCnn, trainingPartOf, type FeatureLayer } from "@fer/cnn";
import { createProgressBar } from "@fer/runtime";
import { MIRROR_ID_SUFFIX, mirrorFaces } from "@fer/preprocess";
import { loadFolderDataset } from "@fer/preprocess/node";
import { findDefaultCnn } from "@fer/pipeline";
import { parseCommandArgs, reportFailure, UsageError } from "./options.js";

const HELP = `usage: fer features --data DIR --out FILE [options]

Extracts the features of a trained CNN (one of its 64-unit Dense layers) for every image of a labelled folder
<root>/<class>/* and writes them as a features file of @fer/heads (FILE.json + FILE.bin), ready for fer fit-head.
  --data DIR              labelled folder (e.g. ../shared/datasets/fer2013/train)
  --out FILE              features file (base path, .json or .bin)
  --cnn DIR               CNN model folder (default: the shipped one, or FER_CNN_DIR)
  --layer dense1|dense2   the layer to read (default dense1, the study's best with the fast head)
  --mirror                add the left-right mirrored copy of every image (as the study fitted its heads)
  --split all|train|validation
                          all images (default), or only the part of the CNN's own training split: the images it
                          trained on, or the validation images it never saw (from the seed and fraction in its
                          model card; --data must be the folder it was trained on). Choose heads on validation.`;

/** The write function of `@fer/heads/node` (loaded lazily). */
type WriteFeatures = (file: string, set: { features: { rows: number; cols: number; data: Float32Array }; labels: Uint8Array; classes: readonly string[]; ids?: readonly string[]; source?: string; featuriser?: Readonly<Record<string, string>> }) => Promise<void>;

/** `fer features --data DIR --out FILE [--cnn DIR] [--layer dense1|dense2] [--mirror] [--split all|train|validation]`. */
export async function featuresCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs("features", HELP, {
    args: argv,
    options: {
      data: { type: "string" },
      out: { type: "string" },
      cnn: { type: "string" },
      layer: { type: "string", default: "dense1" },
      mirror: { type: "boolean", default: false },
      split: { type: "string", default: "all" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (typeof parsed === "number") return parsed;
  const { values } = parsed;
  try {
    if (values.data === undefined || values.out === undefined) throw new UsageError(`--data and --out are required\n${HELP}`);
    if (values.layer !== "dense1" && values.layer !== "dense2") throw new UsageError(`--layer must be dense1 or dense2`);
    const layer: FeatureLayer = values.layer;
    const split = values.split;
    if (split !== "all" && split !== "train" && split !== "validation") throw new UsageError(`--split must be all, train or validation`);
    const dir = values.cnn ?? (await findDefaultCnn()).dir;
    if (dir === undefined) throw new UsageError("no CNN shipped yet: pass --cnn DIR (a folder written by fer train) or set FER_CNN_DIR");
    const specifier: string = "@fer/heads/node";
    const { writeFeatures } = (await import(specifier)) as { writeFeatures: WriteFeatures };
    const cnn = await loadCnn(path.resolve(dir));
    try {
      const size = cnn.card.preprocess.size;
      const loaded = await loadFolderDataset(path.resolve(values.data), { size });
      for (const p of loaded.problems) process.stderr.write(`fer features: skipped ${p.file}: ${p.error.message}\n`);
      const dataset = trainingPartOf(loaded.dataset, cnn.card, split);
      const copies = values.mirror ? 2 : 1;
      const total = dataset.count * copies;
      const dim = cnn.featureSize(layer);
      const data = new Float32Array(total * dim);
      const n = size * size;
      const chunk = 512;
      const bar = createProgressBar({ label: `features ${layer}`, total, unit: "img" });
      let done = 0;
      for (let copy = 0; copy < copies; copy++) {
        for (let start = 0; start < dataset.count; start += chunk) {
          const count = Math.min(chunk, dataset.count - start);
          let block = dataset.pixels.subarray(start * n, (start + count) * n);
          if (copy === 1) block = mirrorFaces(block, count, size);
          data.set(await cnn.features(block, count, layer), (copy * dataset.count + start) * dim);
          done += count;
          bar.update(done);
        }
      }
      bar.finish();
      const labels = new Uint8Array(total);
      for (let c = 0; c < copies; c++) labels.set(dataset.labels, c * dataset.count);
      const ids = copies === 1 ? dataset.ids : [...dataset.ids, ...dataset.ids.map((id) => `${id}${MIRROR_ID_SUFFIX}`)];
      await writeFeatures(values.out, {
        features: { rows: total, cols: dim, data },
        labels,
        classes: dataset.classes,
        ids,
        featuriser: cnnFeaturiserId(cnn.card, layer),
        source: `cnn ${cnn.card.architecture} ${layer} (${path.resolve(dir)}), ${path.resolve(values.data)}${split === "all" ? "" : ` (${split} split of the CNN)`}${values.mirror ? " + mirrored" : ""}`,
      });
      process.stdout.write(`${total} x ${dim} features of ${layer} written to ${values.out}\n`);
    } finally {
      cnn.dispose();
    }
    return 0;
  } catch (e) {
    return reportFailure("features", e);
  }
}
