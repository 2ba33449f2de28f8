import { readFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { loadOnnxRuntime, type OnnxRuntime } from "@fer/runtime";
import { tfjsOnnxRuntime } from "@fer/runtime/tfjs";
import { createDetector, type Detection } from "../src/index.js";
import { networkInput, placeInInput, type NetworkPlacement } from "../src/network-input.js";
import { createOnnxRunner, type OnnxRunnerOptions } from "../src/network-runner.js";
import { faceApiModelDir } from "../src/face-api-weights.js";
import { readSsdGraph } from "../src/ssd-mobilenet-v1.js";
import { DEFAULT_ULTRAFACE_MODEL_DIR } from "../src/ultraface.js";
import { DEFAULT_YUNET_MODEL_PATH, yunetPlacement } from "../src/yunet.js";
import { YUNET_OUTPUTS } from "../src/yunet-core.js";
import { PHOTO_FACES } from "./fixtures/photo-faces.js";
import { countMatched, loadPhoto } from "./helpers.js";
import { initTestBackend } from "./tf-backend.js";

// The tfjs engine (`@fer/runtime/tfjs`, the ONNX graphs interpreted with tfjs-core operators) against onnxruntime-node,
// on the shared photos: the networks' raw outputs, then the detectors' boxes. (ssd-mobilenet-v1 and tiny-face boxes:
// onnx-engine.test.ts.)

let ort: OnnxRuntime;
beforeAll(async () => {
  await initTestBackend();
  const loaded = await loadOnnxRuntime();
  if (loaded === undefined) throw new Error("onnxruntime-node (a devDependency of @fer/face-detect) must load in these tests");
  ort = loaded;
});

const PHOTOS = ["apollo11_crew.jpg", "women_on_phones.jpg", "european_council_2011.jpg"];

interface Network {
  name: string;
  bytes: () => Promise<Uint8Array>;
  outputs: readonly string[];
  runner: OnnxRunnerOptions;
  /** The network input for a photo, as the detector makes it. */
  input: (img: Awaited<ReturnType<typeof loadPhoto>>) => { data: Float32Array; placement: NetworkPlacement };
}

const NETWORKS: Network[] = [
  {
    name: "yunet",
    bytes: () => readFile(DEFAULT_YUNET_MODEL_PATH),
    outputs: YUNET_OUTPUTS,
    runner: { input: { name: "input", layout: "nchw" } },
    input: (img) => {
      const placement = yunetPlacement(img.width, img.height, 512, 0);
      return { placement, data: networkInput(img, placement, [0, 0, 0], 1, "chw-bgr") };
    },
  },
  {
    name: "ultraface",
    bytes: () => readFile(path.join(DEFAULT_ULTRAFACE_MODEL_DIR, "version-RFB-320.onnx")),
    outputs: ["scores", "boxes"],
    runner: { input: { name: "input", layout: "nchw" } },
    input: (img) => {
      const k = Math.min(320 / img.width, 240 / img.height);
      const placement = { inputWidth: 320, inputHeight: 240, width: Math.round(img.width * k), height: Math.round(img.height * k), scale: 1 / k };
      return { placement, data: networkInput(img, placement, [127, 127, 127], 1 / 128, "chw-rgb") };
    },
  },
  {
    name: "ssd-mobilenet-v1",
    bytes: async () => (await readSsdGraph(faceApiModelDir("ssd-mobilenet-v1"))).onnx,
    outputs: ["boxes", "classes"],
    runner: {},
    input: (img) => {
      const placement = placeInInput(img.width, img.height, 512, false);
      return { placement, data: networkInput(img, placement, [127.5, 127.5, 127.5], 1 / 127.5) };
    },
  },
];

describe("the networks' outputs on both engines", () => {
  for (const net of NETWORKS) {
    test(`${net.name}: the tfjs engine gives onnxruntime's outputs on the shared photos (max difference <= 1e-4 of the largest value)`, async () => {
      const bytes = await net.bytes();
      const a = await createOnnxRunner(ort, bytes, net.outputs, { ...net.runner, threads: 1 });
      const b = await createOnnxRunner(tfjsOnnxRuntime(), bytes, net.outputs, net.runner);
      try {
        for (const name of PHOTOS) {
          const { data, placement } = net.input(await loadPhoto(name));
          const [x, y] = [await a.run(data, placement.inputHeight, placement.inputWidth), await b.run(data, placement.inputHeight, placement.inputWidth)];
          let worst = 0;
          x.forEach((out, i) => {
            const other = y[i]!;
            expect(other.length).toBe(out.length);
            let diff = 0;
            let scale = 0;
            for (let j = 0; j < out.length; j++) {
              diff = Math.max(diff, Math.abs(out[j]! - other[j]!));
              scale = Math.max(scale, Math.abs(out[j]!));
            }
            worst = Math.max(worst, diff / Math.max(1, scale));
            expect(diff, `${name} ${net.outputs[i]}`).toBeLessThanOrEqual(1e-4 * Math.max(1, scale));
          });
          console.log(`${net.name} ${name} (${placement.inputWidth}x${placement.inputHeight}): max |onnxruntime - tfjs| / max(1, max |value|) over the outputs = ${worst.toExponential(2)}`);
        }
      } finally {
        a.dispose();
        b.dispose();
      }
    });
  }
});

function expectSameDetections(a: readonly Detection[], b: readonly Detection[], what: string): void {
  expect(b.length, what).toBe(a.length);
  a.forEach((d, i) => {
    const e = b[i]!;
    expect(Math.max(Math.abs(d.x - e.x), Math.abs(d.y - e.y), Math.abs(d.width - e.width), Math.abs(d.height - e.height)), what).toBeLessThanOrEqual(1);
    expect(Math.abs(d.score! - e.score!), what).toBeLessThan(1e-3);
    if (d.landmarks !== undefined) {
      for (const [k, p] of Object.entries(d.landmarks)) {
        const q = e.landmarks![k as keyof typeof d.landmarks];
        expect(Math.max(Math.abs(p[0] - q[0]), Math.abs(p[1] - q[1])), `${what} ${k}`).toBeLessThanOrEqual(1);
      }
    }
  });
}

describe("yunet and ultraface on the tfjs engine", () => {
  for (const name of ["yunet", "ultraface"] as const) {
    test(`${name}: the same faces as on onnxruntime, within 1 px`, async () => {
      const onnx = await createDetector(name, { engine: "onnxruntime" });
      const tfjs = await createDetector(name, { engine: "tfjs" });
      try {
        expect([onnx.engine, tfjs.engine]).toEqual(["onnxruntime", "tfjs"]);
        for (const photo of [...PHOTOS, "obama_family_2011.jpg"]) {
          const img = await loadPhoto(photo);
          const a = await onnx.detect(img);
          expectSameDetections(a, await tfjs.detect(img), `${name} ${photo}`);
          const faces = PHOTO_FACES[photo]?.faces;
          if (name === "yunet" && faces !== undefined && photo !== "women_on_phones.jpg") expect(countMatched(faces, a, 0.4), photo).toBe(faces.length);
        }
      } finally {
        onnx.dispose();
        tfjs.dispose();
      }
    });
  }

  test("an unknown engine is a bad-option error", async () => {
    await expect(createDetector("yunet", { engine: "gpu" as never })).rejects.toMatchObject({ kind: "bad-option" });
    await expect(createDetector("ultraface", { engine: "gpu" as never })).rejects.toMatchObject({ kind: "bad-option" });
  });
});
