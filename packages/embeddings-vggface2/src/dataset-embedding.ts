import { createHash } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { createProgressBar } from "@fer/runtime";
import type { FaceDataset } from "@fer/preprocess";
import { defaultCacheDir, writeFileAtomic } from "@fer/preprocess/node";
import type { Embedder } from "./embedder.js";
import { EmbeddingError } from "./errors.js";
import { grayFacesView } from "./gray-faces.js";

/** Options of {@link embedDataset}. */
export interface EmbedDatasetOptions {
  /** Layers to read (all in one forward pass per batch); default `[embedder.layer]`. */
  readonly layers?: readonly string[];
  /**
   * Folder of the on-disk cache (`<dir>/embeddings/...`); `false` = no cache. Default: `@fer/preprocess`'s
   * `defaultCacheDir()` (`$FER_CACHE_DIR`, else `<repo>/.cache/fer`).
   */
  readonly cacheDir?: string | false;
  /** Faces per forward pass; default 32. */
  readonly batchSize?: number;
  /** Faces per cache chunk file (the unit of resumption); default 1024. */
  readonly chunkSize?: number;
  /** Draw a progress bar with rate and ETA on stderr (default true when stderr is a TTY or `label` is given). */
  readonly progress?: boolean;
  /** Progress bar label; default `<embedder name> <dataset size> faces`. */
  readonly label?: string;
  /** Called after every batch with faces done (including cached ones) and the total. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** The embeddings of one layer for a whole dataset, aligned with its labels and ids. */
export interface EmbeddedDataset {
  readonly backbone: string;
  readonly layer: string;
  /** `count` x `dim` row-major float32 features (row i = dataset face i). */
  readonly features: { readonly rows: number; readonly cols: number; readonly data: Float32Array };
  readonly labels: Uint8Array;
  readonly classes: readonly string[];
  readonly ids: readonly string[];
  /** Faces read from the cache (the others were computed now). */
  readonly cachedFaces: number;
  /** Seconds spent computing embeddings in this call. */
  readonly computeSeconds: number;
  /** Cache folder of this layer, when caching was on. */
  readonly cacheFolder?: string;
}

/** Content hash of a dataset (pixels, labels, ids, classes), used to key the cache. */
export function datasetHash(ds: FaceDataset): string {
  const h = createHash("sha256");
  h.update(`${ds.size}:${ds.count}:${ds.classes.join(",")}\n`);
  h.update(ds.pixels);
  h.update(ds.labels);
  for (const id of ds.ids) h.update(`${id}\n`);
  return h.digest("hex").slice(0, 24);
}

interface LayerCache {
  readonly layer: string;
  readonly dim: number;
  readonly folder: string | undefined;
  readonly out: Float32Array;
  readonly done: Uint8Array;
}

const CACHE_VERSION = 1;

function chunkFile(folder: string, c: number): string {
  return path.join(folder, `chunk-${String(c).padStart(6, "0")}.f32`);
}

/** Opens (or creates) the cache folder of one layer and loads every complete chunk into `out`. */
async function openLayerCache(
  root: string | undefined,
  embedder: Embedder,
  layer: string,
  ds: FaceDataset,
  dsHash: string,
  chunkSize: number,
): Promise<LayerCache> {
  const dim = embedder.dimOf(layer);
  const out = new Float32Array(ds.count * dim);
  const nChunks = Math.ceil(ds.count / chunkSize);
  const done = new Uint8Array(nChunks);
  if (root === undefined) return { layer, dim, folder: undefined, out, done };
  const fingerprint = embedder.fingerprintOf(layer);
  const key = createHash("sha256").update(`${CACHE_VERSION}\n${fingerprint}\n${dsHash}\n${chunkSize}`).digest("hex").slice(0, 20);
  const folder = path.join(root, "embeddings", `${embedder.name}-${layer.replace(/[^\w.-]/g, "_")}-${key}`);
  await mkdir(folder, { recursive: true });
  const metaFile = path.join(folder, "meta.json");
  const meta = { format: "fer-embedding-cache", version: CACHE_VERSION, fingerprint, dataset: dsHash, count: ds.count, dim, chunkSize };
  if (existsSync(metaFile)) {
    let old: Partial<typeof meta>;
    try {
      old = JSON.parse(await readFile(metaFile, "utf8")) as Partial<typeof meta>;
    } catch (e) {
      throw new EmbeddingError("bad-cache", `${metaFile} is not readable JSON; delete ${folder}`, metaFile, { cause: e });
    }
    if (old.fingerprint !== fingerprint || old.dataset !== dsHash || old.dim !== dim || old.chunkSize !== chunkSize || old.count !== ds.count) {
      throw new EmbeddingError("bad-cache", `${metaFile} describes other data than requested; delete ${folder}`, metaFile);
    }
  } else {
    await writeFileAtomic(metaFile, JSON.stringify(meta));
  }
  for (let c = 0; c < nChunks; c++) {
    const file = chunkFile(folder, c);
    const rows = Math.min(chunkSize, ds.count - c * chunkSize);
    if (!existsSync(file) || statSync(file).size !== rows * dim * 4) continue;
    const buf = await readFile(file);
    new Uint8Array(out.buffer, c * chunkSize * dim * 4, rows * dim * 4).set(buf);
    done[c] = 1;
  }
  return { layer, dim, folder, out, done };
}

/**
 * Embeds every face of `dataset` with `embedder` at one or more layers (one forward pass per batch for all of
 * them), in batches, with a progress bar and ETA, caching the vectors on disk in chunk files written atomically:
 * an interrupted run resumes where it stopped, and a second run of the same embedder on the same data only reads
 * the cache. The cache is keyed by the embedder's fingerprint (backbone, layer, weights) and a hash of the data.
 * Memory stays flat: tensors are disposed batch by batch; only the output arrays grow.
 */
export async function embedDataset(embedder: Embedder, dataset: FaceDataset, options: EmbedDatasetOptions = {}): Promise<EmbeddedDataset[]> {
  const layers = options.layers ?? [embedder.layer];
  if (layers.length === 0) throw new EmbeddingError("unknown-layer", "embedDataset: no layer requested");
  layers.forEach((l) => embedder.dimOf(l));
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? 32));
  const chunkSize = Math.max(batchSize, Math.floor(options.chunkSize ?? 1024));
  if (dataset.pixels.length !== dataset.count * dataset.size * dataset.size || dataset.labels.length !== dataset.count) {
    throw new EmbeddingError("bad-input", `dataset of ${dataset.count} faces has ${dataset.pixels.length} pixel bytes and ${dataset.labels.length} labels`);
  }
  const root = options.cacheDir === false ? undefined : path.resolve(options.cacheDir ?? defaultCacheDir());
  const dsHash = datasetHash(dataset);
  const caches: LayerCache[] = [];
  for (const l of layers) caches.push(await openLayerCache(root, embedder, l, dataset, dsHash, chunkSize));
  const nChunks = Math.ceil(dataset.count / chunkSize);
  const todo: number[] = [];
  for (let c = 0; c < nChunks; c++) if (caches.some((lc) => !lc.done[c])) todo.push(c);
  const rowsOf = (c: number): number => Math.min(chunkSize, dataset.count - c * chunkSize);
  const toCompute = todo.reduce((s, c) => s + rowsOf(c), 0);
  const cachedFaces = dataset.count - toCompute;
  const showBar = options.progress ?? (process.stderr.isTTY === true || options.label !== undefined);
  const bar =
    showBar && toCompute > 0
      ? createProgressBar({ label: options.label ?? `${embedder.name} ${layers.join("+")}`, total: toCompute, unit: "face" })
      : undefined;
  const t0 = performance.now();
  let computed = 0;
  options.onProgress?.(cachedFaces, dataset.count);
  for (const c of todo) {
    const start = c * chunkSize;
    const rows = rowsOf(c);
    for (let b = start; b < start + rows; b += batchSize) {
      const n = Math.min(batchSize, start + rows - b);
      const vecs = await embedder.embedLayers(grayFacesView(dataset.pixels, dataset.size, b, n), layers);
      vecs.forEach((v, k) => caches[k]!.out.set(v, b * caches[k]!.dim));
      computed += n;
      bar?.update(computed);
      options.onProgress?.(cachedFaces + computed, dataset.count);
    }
    for (const lc of caches) {
      if (lc.folder === undefined || lc.done[c]) continue;
      const bytes = new Uint8Array(lc.out.buffer, start * lc.dim * 4, rows * lc.dim * 4);
      await writeFileAtomic(chunkFile(lc.folder, c), bytes);
      lc.done[c] = 1;
    }
  }
  bar?.finish();
  const computeSeconds = (performance.now() - t0) / 1000;
  return caches.map((lc) => ({
    backbone: embedder.name,
    layer: lc.layer,
    features: { rows: dataset.count, cols: lc.dim, data: lc.out },
    labels: dataset.labels,
    classes: dataset.classes,
    ids: dataset.ids,
    cachedFaces,
    computeSeconds,
    ...(lc.folder !== undefined ? { cacheFolder: lc.folder } : {}),
  }));
}
