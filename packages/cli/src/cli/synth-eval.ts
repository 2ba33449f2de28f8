import { mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { readModelCard, trainingPartOf } from "@fer/cnn";
import { createProgressBar } from "@fer/runtime";
import { createDetector, isDetectorName, listDetectors, type DetectorName, type FaceDetector } from "@fer/face-detect";
import { frameFace, resize, seededRandom, shuffleInPlace, subsetDataset, type Box, type Image } from "@fer/preprocess";
import { decodeImage, loadFolderDataset } from "@fer/preprocess/node";
import { createPipeline, DEFAULT_ALIGN, DEFAULT_MARGINS, findDefaultCnn, hasImageExtension, saveImageAs } from "@fer/pipeline";
import { Canvas } from "@fer/pipeline/draw";
import { sharedDir } from "../paths.js";
import {
  ANGLE_BUCKETS,
  describeFraming,
  evaluateSyntheticPortraits,
  rangeOf,
  SCALE_BUCKETS,
  type DetectorOutcome,
  type FramingConfig,
  type SynthEvalResult,
} from "../synth/evaluate.js";
import type { BackgroundPhoto, SyntheticPortrait } from "../synth/portraits.js";
import { PIPELINE_FLAGS, PIPELINE_FLAGS_HELP, pipelineOptionsFromFlags, reportFailure, UsageError } from "./options.js";

const HELP = `usage: fer synth-eval [options]

Synthetic portraits made of the shipped CNN's held-out VALIDATION faces (the stratified 10% of FER2013 train its card
names; never FER2013 test): each face enlarged (Lanczos) to 10%-100% of the frame's shorter side (320-640 px), turned
by up to +-30 degrees, shifted, on a plain, gradient, noise or face-free photo background. Prints per detector the
detection rate per scale and angle bucket, and the classifier's accuracy on the detected crops under each framing
(margin x alignment) against its accuracy on the original 48x48 faces (the gap is what detection and framing cost).
${PIPELINE_FLAGS_HELP}
  --count N               portraits (default 600), the first N of the validation faces shuffled with --seed
  --seed S                seed of the face order and of the portraits (default 1)
  --detectors A,B         detectors to measure (default: all of ${listDetectors().map((d) => d.name).join(", ")})
  --margins X,Y           margins to sweep (default -0.05,0,0.05,0.1,0.15,0.2: squares of 0.9-1.4x the box;
                          a list starting with a negative value is written --margins=-0.05,0)
  --offsets X,Y           frameFace offsets to sweep (the square moved down the face by that fraction of the box;
                          default 0; a list starting with a negative value is written --offsets=-0.02,0)
  --aligns L              alignments to sweep: off, landmarks (detector's eyes), truth (the true angle; diagnostic)
                          (default off,landmarks,truth)
  --photos DIR            photos for backgrounds (default <shared>/photos; the faces every detector of the package
                          finds there are kept out); "none" for no photo backgrounds
  --sheet FILE            write a contact sheet PNG of the first --sheet-count portraits with the face box (green),
                          the --sheet-detector's box (red) and eyes, its crop at its default framing, and the original
  --sheet-count N         (default 16)
  --sheet-detector NAME   (default: yunet if measured, else the first of --detectors)
A pseudo-detector "truth" (the true face square and eye line) is measured too: the cost of the rendering itself.
  --misses DIR            write every portrait of the core range (15%-100% of the frame, at most 20 degrees) whose
                          face the --sheet-detector missed: DIR/s<seed>-<index>-<scale>pct-<angle>deg-<background>.png
                          with the true square (green) and the detector's boxes (red), and the original 48x48 face
                          (...-face.png)
  --by-bucket             also print the gap of every detector and framing per scale and per angle bucket
  --json FILE             write the full result as JSON`;

function list(s: string): string[] {
  return s.split(",").map((x) => x.trim()).filter((x) => x.length > 0);
}

function pct(a: number, b: number): string {
  return b === 0 ? "-" : `${((100 * a) / b).toFixed(1)}% (${a}/${b})`;
}

/** The markdown tables `fer synth-eval` prints. */
export function synthEvalTables(r: SynthEvalResult, byBucket = false): string {
  const lines: string[] = [];
  const bucketName = (bounds: readonly number[], i: number, last: number, unit: (v: number) => string) =>
    `${unit(bounds[i] as number)}-${unit(i + 1 < bounds.length ? (bounds[i + 1] as number) : last)}`;
  const scaleNames = SCALE_BUCKETS.map((_, i) => bucketName(SCALE_BUCKETS, i, 1, (v) => `${Math.round(v * 100)}%`));
  const angleNames = ANGLE_BUCKETS.map((_, i) => bucketName(ANGLE_BUCKETS, i, 30, (v) => `${v}°`));
  lines.push(`Detection rate by face scale (face side / frame's shorter side), ${r.portraits} portraits:`, "");
  lines.push(`| detector | ${scaleNames.join(" | ")} | all | 15-100%, ≤20° | 10-15% | 15-100%, >20° | false boxes / image | ms / image |`);
  lines.push(`|---|${scaleNames.map(() => "---:").join("|")}|---:|---:|---:|---:|---:|---:|`);
  for (const d of r.detection) {
    lines.push(
      `| ${d.detector} | ${d.byScale.map(([, a, b]) => pct(a, b)).join(" | ")} | ${pct(d.detected, d.portraits)} | ${pct(d.core[0], d.core[1])} | ${pct(d.small[0], d.small[1])} | ${pct(d.turned[0], d.turned[1])} | ${d.falseBoxesPerImage.toFixed(2)} | ${d.msPerImage.toFixed(0)} |`,
    );
  }
  const missed = r.detection.filter((d) => d.coreMissed.length > 0 && d.detector !== "truth");
  if (missed.length > 0) lines.push("", ...missed.map((d) => `${d.detector} missed in 15-100%, ≤20°: portraits ${d.coreMissed.join(", ")}`));
  lines.push("", "Detection rate by |rotation|:", "");
  lines.push(`| detector | ${angleNames.join(" | ")} |`);
  lines.push(`|---|${angleNames.map(() => "---:").join("|")}|`);
  for (const d of r.detection) lines.push(`| ${d.detector} | ${d.byAngle.map(([, a, b]) => pct(a, b)).join(" | ")} |`);
  lines.push("", `Accuracy on the original 48x48 faces of all ${r.portraits} portraits: ${(100 * r.originalAccuracy).toFixed(2)}%.`, "");
  lines.push("| detector | framing | faces | accuracy on crops | on the originals of the same faces | gap (points) | end to end |");
  lines.push("|---|---|---:|---:|---:|---:|---:|");
  for (const a of r.accuracy) {
    lines.push(
      `| ${a.detector} | ${describeFraming(a.framing)} | ${a.faces} | ${(100 * a.accuracy).toFixed(2)}% | ${(100 * a.originalAccuracy).toFixed(2)}% | ${a.gapPoints.toFixed(2)} | ${(100 * a.endToEnd).toFixed(2)}% |`,
    );
  }
  if (byBucket) {
    const gap = ([, faces, right, orig]: readonly number[]) => (faces === 0 ? "-" : `${((100 * ((orig as number) - (right as number))) / (faces as number)).toFixed(1)} (${faces})`);
    lines.push("", "Gap in points (faces) by face scale:", "");
    lines.push(`| detector | framing | ${scaleNames.join(" | ")} |`, `|---|---|${scaleNames.map(() => "---:").join("|")}|`);
    for (const a of r.accuracy) lines.push(`| ${a.detector} | ${describeFraming(a.framing)} | ${a.byScale.map(gap).join(" | ")} |`);
    lines.push("", "Gap in points (faces) by |rotation|:", "");
    lines.push(`| detector | framing | ${angleNames.join(" | ")} |`, `|---|---|${angleNames.map(() => "---:").join("|")}|`);
    for (const a of r.accuracy) lines.push(`| ${a.detector} | ${describeFraming(a.framing)} | ${a.byAngle.map(gap).join(" | ")} |`);
  }
  return lines.join("\n");
}

/** Loads the background photos (longer side at most 1600 px) and the faces the detectors find in them. */
async function loadPhotos(dir: string, detectors: readonly FaceDetector[]): Promise<BackgroundPhoto[]> {
  const files = (await readdir(dir)).filter(hasImageExtension).sort();
  const out: BackgroundPhoto[] = [];
  for (const f of files) {
    let image = await decodeImage(path.join(dir, f));
    const k = 1600 / Math.max(image.width, image.height);
    if (k < 1) image = resize(image, Math.round(image.width * k), Math.round(image.height * k), { method: "area" });
    if (image.channels === 4 || image.channels === 1) continue; // colour photos only (RGB)
    const faces: Box[] = [];
    for (const d of detectors) faces.push(...(await d.detect(image)));
    out.push({ image, faces, name: f });
  }
  return out;
}

/** Copies `img` (any channels) into the canvas at (x, y), scaled by an integer-free bilinear resize to w x h. */
function blit(canvas: Canvas, img: Image, x: number, y: number, w: number, h: number): void {
  const src = resize(img, w, h, { method: img.width > w ? "area" : "bilinear" });
  const c = Canvas.fromImage(src);
  for (let r = 0; r < h; r++) {
    const yy = y + r;
    if (yy < 0 || yy >= canvas.height) continue;
    for (let q = 0; q < w; q++) {
      const xx = x + q;
      if (xx < 0 || xx >= canvas.width) continue;
      const s = (r * w + q) * 3;
      const d = (yy * canvas.width + xx) * 3;
      canvas.data[d] = c.data[s]!;
      canvas.data[d + 1] = c.data[s + 1]!;
      canvas.data[d + 2] = c.data[s + 2]!;
    }
  }
}

/** `fer synth-eval [options]`. */
export async function synthEvalCommand(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        ...PIPELINE_FLAGS,
        count: { type: "string", default: "600" },
        seed: { type: "string", default: "1" },
        detectors: { type: "string" },
        margins: { type: "string", default: "-0.05,0,0.05,0.1,0.15,0.2" },
        aligns: { type: "string", default: "off,landmarks,truth" },
        offsets: { type: "string", default: "0" },
        photos: { type: "string" },
        sheet: { type: "string" },
        "sheet-count": { type: "string", default: "16" },
        "sheet-detector": { type: "string" },
        json: { type: "string" },
        misses: { type: "string" },
        "by-bucket": { type: "boolean", default: false },
      },
    }));
  } catch (e) {
    process.stderr.write(`fer synth-eval: ${(e as Error).message}\n${HELP}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const detectors: FaceDetector[] = [];
  let pipeline;
  try {
    const count = Number(values.count);
    const seed = Number(values.seed);
    const sheetCount = Number(values["sheet-count"]);
    if (!Number.isInteger(count) || count < 1) throw new UsageError(`--count must be a positive integer, got "${values.count}"`);
    if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer, got "${values.seed}"`);
    const names = values.detectors !== undefined ? list(values.detectors) : listDetectors().map((d) => d.name);
    for (const d of names) if (!isDetectorName(d)) throw new UsageError(`unknown detector "${d}"`);
    const margins = list(values.margins).map(Number);
    if (margins.some((m) => !Number.isFinite(m))) throw new UsageError(`--margins must be numbers, got "${values.margins}"`);
    const aligns = list(values.aligns);
    for (const a of aligns) if (a !== "off" && a !== "landmarks" && a !== "truth") throw new UsageError(`--aligns takes off, landmarks, truth; got "${a}"`);
    const offsets = list(values.offsets).map(Number);
    if (offsets.some((o) => !Number.isFinite(o) || Math.abs(o) > 0.5)) throw new UsageError(`--offsets must be numbers in [-0.5, 0.5], got "${values.offsets}"`);
    const framings: FramingConfig[] = aligns.flatMap((align) =>
      offsets.flatMap((offset) => margins.map((margin) => ({ margin, align: align as FramingConfig["align"], ...(offset !== 0 ? { offset } : {}) }))),
    );
    const sheetDetector = values["sheet-detector"] ?? (names.includes("yunet") ? "yunet" : names[0]);

    // The faces: the CNN's own held-out validation images of FER2013 train, recomputed from its card.
    const cnnDir = values.cnn !== undefined ? path.resolve(values.cnn) : (await findDefaultCnn()).dir;
    if (cnnDir === undefined) throw new UsageError("no CNN found: pass --cnn DIR");
    const card = await readModelCard(cnnDir);
    const { dataset } = await loadFolderDataset(card.data.source);
    const validation = trainingPartOf(dataset, card, "validation");
    const order = shuffleInPlace(Uint32Array.from({ length: validation.count }, (_, i) => i), seededRandom(seed));
    const faces = subsetDataset(validation, order.subarray(0, Math.min(count, validation.count)));
    process.stderr.write(`faces: ${faces.count} of the ${validation.count} validation images of ${card.data.source} (CNN ${path.basename(cnnDir)})\n`);

    pipeline = await createPipeline(pipelineOptionsFromFlags(values));
    for (const d of names) detectors.push(await createDetector(d as DetectorName));
    const photosDir = values.photos ?? path.join(sharedDir(), "photos");
    // Faces in the photos are found by every detector of the package, whichever are measured: the same portraits for
    // every --detectors list.
    const finders: FaceDetector[] = [];
    let photos: BackgroundPhoto[] = [];
    try {
      for (const d of listDetectors()) finders.push(detectors.find((x) => x.name === d.name) ?? (await createDetector(d.name)));
      photos = photosDir === "none" ? [] : await loadPhotos(photosDir, finders);
    } finally {
      for (const f of finders) if (!detectors.includes(f)) f.dispose();
    }
    process.stderr.write(`background photos: ${photos.map((p) => `${p.name} (${p.faces.length} face boxes kept out)`).join(", ") || "none"}\n`);

    // Contact sheet cells: portrait thumbnail, the detector's crop at its default framing, the original face.
    const cell = 200;
    const cols = 4;
    const sheetRows = Math.ceil(sheetCount / cols);
    const sheet = values.sheet !== undefined ? new Canvas(cols * (cell + 110), sheetRows * (cell + 24), [255, 255, 255]) : undefined;
    const missDir = values.misses !== undefined ? path.resolve(values.misses) : undefined;
    if (missDir !== undefined) await mkdir(missDir, { recursive: true });
    const onPortrait = async (p: SyntheticPortrait, found: ReadonlyMap<string, DetectorOutcome>, i: number) => {
      const outcome = found.get(sheetDetector as string);
      if (missDir !== undefined && outcome !== undefined && outcome.match === undefined && rangeOf(p.spec) === "core") {
        const c = Canvas.fromImage(p.image);
        const fb = p.faceBox;
        c.strokeRect(Math.round(fb.x), Math.round(fb.y), Math.round(fb.width), Math.round(fb.height), [0, 200, 0], 2);
        for (const d of outcome.found) c.strokeRect(Math.round(d.x), Math.round(d.y), Math.round(d.width), Math.round(d.height), [230, 0, 0], 2);
        const name = `s${seed}-${String(i).padStart(4, "0")}-${Math.round(p.spec.scale * 100)}pct-${p.spec.angle.toFixed(0)}deg-${p.spec.background}`;
        await saveImageAs(c.toImage(), path.join(missDir, `${name}.png`));
        await saveImageAs({ width: 48, height: 48, channels: 1, data: faces.pixels.subarray(i * 48 * 48, (i + 1) * 48 * 48) }, path.join(missDir, `${name}-face.png`));
      }
      if (sheet === undefined || i >= sheetCount) return;
      const k = cell / Math.max(p.image.width, p.image.height);
      const w = Math.round(p.image.width * k);
      const h = Math.round(p.image.height * k);
      const ox = (i % cols) * (cell + 110);
      const oy = Math.floor(i / cols) * (cell + 24);
      blit(sheet, p.image, ox, oy, w, h);
      const fb = p.faceBox;
      sheet.strokeRect(Math.round(ox + fb.x * k), Math.round(oy + fb.y * k), Math.round(fb.width * k), Math.round(fb.height * k), [0, 200, 0], 1);
      const match = found.get(sheetDetector as string)?.match;
      const facePixels = faces.pixels.subarray(i * 48 * 48, (i + 1) * 48 * 48);
      blit(sheet, { width: 48, height: 48, channels: 1, data: facePixels }, ox + cell + 6, oy + 100, 96, 96);
      const label = `${p.spec.angle.toFixed(0)}deg ${Math.round(p.spec.scale * 100)}% ${p.spec.background}`;
      sheet.drawText(label, ox, oy + cell + 4, [0, 0, 0], 1);
      if (match === undefined) {
        sheet.drawText("missed", ox + cell + 6, oy + 40, [200, 0, 0], 2);
        return;
      }
      sheet.strokeRect(Math.round(ox + match.x * k), Math.round(oy + match.y * k), Math.round(match.width * k), Math.round(match.height * k), [230, 0, 0], 1);
      if (match.landmarks !== undefined) {
        for (const [x, y] of [match.landmarks.leftEye, match.landmarks.rightEye]) sheet.fillRect(Math.round(ox + x * k) - 1, Math.round(oy + y * k) - 1, 3, 3, [0, 90, 255]);
      }
      const margin = values.margin !== undefined ? Number(values.margin) : (DEFAULT_MARGINS[sheetDetector as DetectorName] ?? 0);
      const align = values.align !== undefined ? values.align === "on" : DEFAULT_ALIGN;
      const crop = frameFace(p.image, match, { margin, align, ...(match.landmarks !== undefined ? { eyes: match.landmarks } : {}) });
      blit(sheet, crop, ox + cell + 6, oy, 96, 96);
    };

    let bar: ReturnType<typeof createProgressBar> | undefined;
    let classifyBar: ReturnType<typeof createProgressBar> | undefined;
    const started = performance.now();
    const result = await evaluateSyntheticPortraits({
      faces,
      detectors,
      framings,
      pipeline,
      photos,
      seed,
      truthDetector: true,
      onPortrait,
      onProgress: (done, total) => {
        bar ??= createProgressBar({ label: "synth-eval", total, unit: "img" });
        bar.update(done);
        if (done === total) bar.finish();
      },
      onClassified: (done, total) => {
        classifyBar ??= createProgressBar({ label: "classify crops", total, unit: "framing" });
        classifyBar.update(done);
      },
    });
    classifyBar?.finish();
    if (sheet !== undefined && values.sheet !== undefined) {
      await mkdir(path.dirname(path.resolve(values.sheet)), { recursive: true });
      await saveImageAs(sheet.toImage(), path.resolve(values.sheet));
      process.stderr.write(`contact sheet: ${values.sheet}\n`);
    }
    if (values.json !== undefined) await mkdir(path.dirname(path.resolve(values.json)), { recursive: true });
    if (values.json !== undefined) await writeFile(path.resolve(values.json), `${JSON.stringify({ ...result, seed, count: faces.count, cnn: cnnDir, models: pipeline.models }, null, 2)}\n`);
    process.stdout.write(`${synthEvalTables(result, values["by-bucket"])}\n\nmodels: ${pipeline.models.featuriser}, head ${pipeline.models.head}${pipeline.models.mirrorAverage ? " (mirror-averaged)" : ""}; ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
    return 0;
  } catch (e) {
    return reportFailure("synth-eval", e);
  } finally {
    for (const d of detectors) d.dispose();
    pipeline?.dispose();
  }
}
