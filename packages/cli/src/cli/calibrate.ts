import { readdir } from "node:fs/promises";
import path from "node:path";
import { createDetector, isDetectorName, listDetectors } from "@fer/face-detect";
import { EMOTIONS, resize, type GrayImage } from "@fer/preprocess";
import { decodeFaceFile } from "@fer/preprocess/node";
import { parseCommandArgs, reportFailure, UsageError } from "./options.js";

const HELP = `usage: fer calibrate-margin --data DIR [--detector NAME] [--per-class N] [--scale K] [--json]

Measures which crop margin makes a detector's square crops frame a face like a FER2013 image: each training image
(48x48) is enlarged K times (default 4), set in the middle of a gray canvas twice as large, and run through the
detector; for the largest face found, margin = (image side / box side - 1) / 2. Prints the median and quartiles.
Use a training folder (never the test set).
  --data DIR        labelled FER2013-style folder, e.g. ../shared/datasets/fer2013/train
  --detector NAME   ${listDetectors().map((d) => d.name).join(" | ")} (default tiny-face)
  --per-class N     images per class, the first N by name (default 40)`;

/** The margin the median FER2013 image corresponds to, with quartiles and the detection rate. */
export interface MarginCalibration {
  readonly detector: string;
  readonly images: number;
  readonly detected: number;
  readonly median: number;
  readonly q1: number;
  readonly q3: number;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}

/** `fer calibrate-margin --data DIR [--detector NAME] [--per-class N] [--scale K] [--json]`. */
export async function calibrateMarginCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs("calibrate-margin", HELP, {
    args: argv,
    options: {
      data: { type: "string" },
      detector: { type: "string", default: "tiny-face" },
      "per-class": { type: "string", default: "40" },
      scale: { type: "string", default: "4" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (typeof parsed === "number") return parsed;
  const { values } = parsed;
  try {
    if (values.data === undefined) throw new UsageError(`--data is required\n${HELP}`);
    if (!isDetectorName(values.detector)) throw new UsageError(`unknown detector "${values.detector}"`);
    const perClass = Number(values["per-class"]);
    const scale = Number(values.scale);
    if (!Number.isInteger(perClass) || perClass < 1 || !Number.isInteger(scale) || scale < 1) throw new UsageError("--per-class and --scale must be positive integers");
    const { initBackend } = await import("@fer/runtime");
    await initBackend();
    const detector = await createDetector(values.detector);
    const margins: number[] = [];
    let images = 0;
    try {
      for (const cls of EMOTIONS) {
        let files: string[];
        try {
          files = (await readdir(path.join(values.data, cls))).sort().slice(0, perClass);
        } catch {
          continue;
        }
        for (const f of files) {
          const face: GrayImage = { width: 48, height: 48, channels: 1, data: await decodeFaceFile(path.join(values.data, cls, f), 48) };
          const side = 48 * scale;
          const big = resize(face, side, side, { method: "bilinear" });
          const canvasSide = side * 2;
          const data = new Uint8Array(canvasSide * canvasSide).fill(128);
          const off = side / 2;
          for (let y = 0; y < side; y++) data.set(big.data.subarray(y * side, (y + 1) * side), (y + off) * canvasSide + off);
          images++;
          const found = (await detector.detect({ width: canvasSide, height: canvasSide, channels: 1, data })).filter((d) => {
            const cx = d.x + d.width / 2;
            const cy = d.y + d.height / 2;
            return cx > off && cx < off + side && cy > off && cy < off + side;
          });
          if (found.length === 0) continue;
          const largest = found.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
          margins.push((side / Math.max(largest.width, largest.height) - 1) / 2);
        }
      }
    } finally {
      detector.dispose();
    }
    margins.sort((a, b) => a - b);
    const result: MarginCalibration = { detector: values.detector, images, detected: margins.length, median: quantile(margins, 0.5), q1: quantile(margins, 0.25), q3: quantile(margins, 0.75) };
    if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else {
      process.stdout.write(
        `${result.detector}: face found in ${result.detected}/${result.images} FER2013 images; margin median ${result.median.toFixed(3)} ` +
          `(quartiles ${result.q1.toFixed(3)} - ${result.q3.toFixed(3)})\n`,
      );
    }
    return 0;
  } catch (e) {
    return reportFailure("calibrate-margin", e);
  }
}
