import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { decodeImage } from "@fer/preprocess/node";
import { createDetector, isDetectorName, listDetectors } from "./detectors.js";
import { FaceDetectError } from "./errors.js";
import { evaluateDetector, type DetectorEvaluation } from "./evaluate.js";
import type { DetectorName } from "./types.js";
import { parseWiderFaceAnnotations } from "./widerface.js";

const EVAL_USAGE = `usage: detect-eval --images DIR --gt FILE [--detector NAME[,NAME...]] [--limit N] [--json]

Measures face detectors on a WIDER FACE style folder: recall and precision at IoU >= 0.5 on faces of at least
40 px (longer side of the annotated box), recall on all sizes, false detections per image and mean ms per image.
  --images DIR    folder the annotation paths are relative to
  --gt FILE       wider_face_*_bbx_gt.txt style annotations
  --detector      ${listDetectors().map((d) => d.name).join(", ")} (default: all)
  --limit N       only the first N images
  --json          one JSON object per detector and line:
                  {detector, images, faces, recall40, precision40, recallAll, falsePerImage, msPerImage, engine?}
The network detectors run on onnxruntime when onnxruntime-node is installed (FER_ENGINE=tfjs|onnxruntime forces
one), else on the tfjs backend from @fer/runtime (FER_TF_BACKEND=wasm|cpu forces one).`;

const DETECT_USAGE = `usage: detect IMAGE... [--detector NAME]

Prints the faces found in each image as JSON lines: {file, width, height, faces: [{x, y, width, height, score}]}
(yunet adds landmarks: {leftEye, rightEye, nose, mouthLeft, mouthRight}, each [x, y]).`;

function pct(v: number): string {
  return `${(v * 100).toFixed(1)}%`;
}

/** Formats evaluations as a Markdown table. */
export function formatEvaluationTable(rows: readonly DetectorEvaluation[]): string {
  const head = "| detector | images | faces | recall ≥40 px | precision ≥40 px | recall all | false / image | ms / image |";
  const sep = "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |";
  const body = rows.map(
    (r) =>
      `| ${r.detector}${r.engine === undefined ? "" : ` (${r.engine})`} | ${r.images} | ${r.faces} | ${pct(r.recall40)} | ${pct(r.precision40)} | ${pct(r.recallAll)} | ${r.falsePerImage.toFixed(2)} | ${r.msPerImage.toFixed(0)} |`,
  );
  return [head, sep, ...body].join("\n");
}

function parseDetectorList(value: string | undefined): DetectorName[] {
  if (value === undefined) return listDetectors().map((d) => d.name);
  const names = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  for (const n of names) {
    if (!isDetectorName(n)) {
      throw new FaceDetectError("unknown-detector", `unknown detector "${n}"; known: ${listDetectors().map((d) => d.name).join(", ")}`);
    }
  }
  return names as DetectorName[];
}

/** Initialises the tfjs backend (through `@fer/runtime`, loaded only then) when a DNN detector is wanted. */
async function needsTf(names: readonly DetectorName[]): Promise<string | undefined> {
  if (!names.some((n) => listDetectors().find((d) => d.name === n)?.kind === "dnn")) return undefined;
  const { describeBackend, initBackend } = await import("@fer/runtime");
  return describeBackend(await initBackend());
}

function reportError(err: unknown, usage: string): number {
  if (err instanceof FaceDetectError || (err instanceof Error && /^(ERR_PARSE_ARGS|ERR_INVALID_ARG)/.test((err as NodeJS.ErrnoException).code ?? ""))) {
    process.stderr.write(`${err.message}\n\n${usage}\n`);
    return 2;
  }
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 1;
}

/**
 * `detect-eval`: measures detectors on a WIDER FACE style folder and prints a Markdown table (or JSON lines).
 * Returns the process exit code (0 ok, 2 bad arguments, 1 failure).
 */
export async function detectEval(argv: string[]): Promise<number> {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        images: { type: "string" },
        gt: { type: "string" },
        detector: { type: "string" },
        limit: { type: "string" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(`${EVAL_USAGE}\n`);
      return 0;
    }
    if (values.images === undefined || values.gt === undefined) {
      throw new FaceDetectError("bad-option", "--images and --gt are required");
    }
    const limit = values.limit === undefined ? Infinity : Number(values.limit);
    if (!(limit >= 1) || (limit !== Infinity && !Number.isInteger(limit))) {
      throw new FaceDetectError("bad-option", `--limit must be a positive integer, got ${values.limit}`);
    }
    const names = parseDetectorList(values.detector);
    const gtText = await readFile(values.gt, "utf8").catch((cause: unknown) => {
      throw new FaceDetectError("bad-annotations", `cannot read ${values.gt}`, { cause });
    });
    const annotated = parseWiderFaceAnnotations(gtText, values.gt).slice(0, limit);
    const imagesDir = values.images;
    const backend = await needsTf(names);
    if (!values.json) {
      process.stderr.write(`${annotated.length} images from ${values.gt}${backend ? `; tfjs backend: ${backend}` : ""}\n`);
    }
    const rows: DetectorEvaluation[] = [];
    for (const name of names) {
      const detector = await createDetector(name);
      try {
        const row = await evaluateDetector(detector, annotated, (file) => decodeImage(path.join(imagesDir, file)));
        rows.push(row);
        if (values.json) process.stdout.write(`${JSON.stringify(row)}\n`);
      } finally {
        detector.dispose();
      }
    }
    if (!values.json) process.stdout.write(`${formatEvaluationTable(rows)}\n`);
    return 0;
  } catch (err) {
    return reportError(err, EVAL_USAGE);
  }
}

/** `detect`: prints the faces found in each image as JSON lines. Returns the process exit code. */
export async function detectFaces(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { detector: { type: "string", default: "haar" }, help: { type: "boolean", short: "h", default: false } },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      process.stdout.write(`${DETECT_USAGE}\n`);
      return 0;
    }
    if (positionals.length === 0) throw new FaceDetectError("bad-option", "no image given");
    const [name] = parseDetectorList(values.detector);
    if (name === undefined) throw new FaceDetectError("bad-option", "--detector is empty");
    await needsTf([name]);
    const detector = await createDetector(name);
    try {
      for (const file of positionals) {
        const img = await decodeImage(file);
        const faces = await detector.detect(img);
        process.stdout.write(`${JSON.stringify({ file, width: img.width, height: img.height, faces })}\n`);
      }
    } finally {
      detector.dispose();
    }
    return 0;
  } catch (err) {
    return reportError(err, DETECT_USAGE);
  }
}
