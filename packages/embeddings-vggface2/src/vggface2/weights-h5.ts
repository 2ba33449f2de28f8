import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import path from "node:path";
import { EmbeddingError } from "../errors.js";
import type { WeightArray, WeightLookup } from "./assign-weights.js";

/** The h5wasm module (Node build: the host file system through NODERAWFS). */
type H5 = typeof import("h5wasm/node");
type H5Group = InstanceType<H5["Group"]>;
type H5Dataset = InstanceType<H5["Dataset"]>;

let h5Module: Promise<H5> | undefined;

/** Loads and initialises h5wasm once. */
async function h5(): Promise<H5> {
  h5Module ??= import("h5wasm/node").then(async (m) => {
    await m.ready;
    return m;
  });
  return h5Module;
}

function stringList(value: unknown): string[] | undefined {
  if (value === null || value === undefined) return undefined;
  const arr = Array.isArray(value) ? value : typeof value === "string" ? [value] : undefined;
  if (arr === undefined) return undefined;
  return arr.map((v) => (v instanceof Uint8Array ? new TextDecoder().decode(v).replace(/\0+$/, "") : String(v)));
}

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Whether `file` carries the HDF5 superblock signature (at offset 0, 512, 1024, 2048, ...). */
function hasHdf5Signature(file: string): boolean {
  const fd = openSync(file, "r");
  try {
    const size = statSync(file).size;
    const buf = Buffer.alloc(8);
    for (let off = 0; off + 8 <= size && off <= 1 << 20; off = off === 0 ? 512 : off * 2) {
      if (readSync(fd, buf, 0, 8, off) === 8 && buf.equals(HDF5_SIGNATURE)) return true;
    }
    return false;
  } finally {
    closeSync(fd);
  }
}

/** A Keras HDF5 weights file opened for reading; call {@link KerasH5Weights.close} when done. */
export interface KerasH5Weights {
  /** The layer names the file lists (root attribute `layer_names`). */
  readonly layerNames: readonly string[];
  /** Finds a weight by layer name and short name (`kernel`, `bias`, `gamma`, `beta`, `moving_mean`, `moving_variance`). */
  readonly lookup: WeightLookup;
  close(): void;
}

/**
 * Opens a Keras HDF5 weights file (`model.save_weights` layout, as `rcmalli_vggface_tf_notop_resnet50.h5`, or a
 * full `model.save` file with a `model_weights` group) with h5wasm. The layout read: the root (or `model_weights`)
 * attribute `layer_names`; one group per layer with attribute `weight_names` (`<layer>/<short>:0`), and one
 * dataset per weight at `<layer>/<weight_name>`. Throws `missing-weights` when `file` is not given or does not
 * exist, `bad-weights-layout` when it is not HDF5 or lacks `layer_names`.
 */
export async function openKerasH5Weights(file: string | undefined): Promise<KerasH5Weights> {
  if (file === undefined || file === "") {
    throw new EmbeddingError(
      "missing-weights",
      "no VGGFace2 weights file given: pass the Keras file rcmalli_vggface_tf_notop_resnet50.h5 (or a TensorFlow.js layers model folder) as `weights`",
    );
  }
  const abs = path.resolve(file);
  if (!existsSync(abs) || !statSync(abs).isFile()) {
    throw new EmbeddingError("missing-weights", `VGGFace2 weights file ${abs} does not exist`, abs);
  }
  if (!hasHdf5Signature(abs)) {
    throw new EmbeddingError("bad-weights-layout", `${abs} is not an HDF5 file (no HDF5 signature); expected the Keras file rcmalli_vggface_tf_notop_resnet50.h5`, abs);
  }
  const m = await h5();
  let f: InstanceType<H5["File"]>;
  try {
    f = new m.File(abs, "r");
  } catch (e) {
    throw new EmbeddingError("bad-weights-layout", `${abs} is not an HDF5 file: ${(e as Error).message}`, abs, { cause: e });
  }
  try {
    const keys = f.keys();
    const root: H5Group = keys.includes("model_weights") ? (f.get("model_weights") as H5Group) : f;
    const layerNames = stringList(root.attrs.layer_names?.value);
    if (layerNames === undefined) {
      throw new EmbeddingError(
        "bad-weights-layout",
        `${abs} is not a Keras HDF5 weights file: attribute "layer_names" is missing at the ${root === f ? "root" : "model_weights group"}`,
        abs,
      );
    }
    const listed = new Set(layerNames);
    const lookup: WeightLookup = (layer, short): WeightArray | undefined => {
      if (!listed.has(layer)) return undefined;
      const g = root.get(layer);
      if (!(g instanceof m.Group)) return undefined;
      const names = stringList(g.attrs.weight_names?.value) ?? [];
      const wn = names.find((n) => n.replace(/:\d+$/, "").endsWith(`/${short}`) || n.replace(/:\d+$/, "") === short);
      if (wn === undefined) return undefined;
      const d = g.get(wn);
      if (!(d instanceof m.Dataset)) return undefined;
      const ds = d as H5Dataset;
      const value = ds.value;
      const shape = ds.shape ?? [];
      if (!(value instanceof Float32Array || value instanceof Float64Array)) {
        throw new EmbeddingError("bad-weights-layout", `${abs}: dataset ${layer}/${wn} is not a float array`, abs);
      }
      return { shape, data: value instanceof Float32Array ? value : Float32Array.from(value) };
    };
    return { layerNames, lookup, close: () => void f.close() };
  } catch (e) {
    f.close();
    throw e;
  }
}
