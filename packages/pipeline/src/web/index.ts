/// <reference lib="dom" />
// The browser entry of @fer/pipeline: the fast preset (YuNet, the shipped CNN read at the head's layer, the fast
// random-forest head with its calibration, mirror averaging as the head file says) in a web page, on onnxruntime-web,
// giving the same result shape and the same results as `createPipeline()` in Node. No Node built-in, `process`, sharp
// or onnxruntime-node may be reachable from here (test/web-entries.test.ts walks the import graph).
import { loadWebCnn, type LoadWebCnnOptions, type WebCnn } from "@fer/cnn/web";
import { createWebYunetDetector, type FaceDetector, type WebYunetOptions } from "@fer/face-detect/web";
import { fetchHead, type Head } from "@fer/heads/web";
import { decodeBlob, frameFace, imageFromSource, mirror, prepareFaceBytes, type Image, type WebImageSource } from "@fer/preprocess/web";
import { configureWebEngine, type WebEngineInfo, type WebEngineOptions } from "@fer/runtime/web";
import type { AnalysisResult, FaceResult, FaceScores, ModelsUsed } from "../pipeline.js";
import { DEFAULT_ALIGN, DEFAULT_MARGINS } from "../framing.js";
import { scoreFeatures } from "../scores.js";

export type { AnalysisResult, FaceResult, ModelsUsed } from "../pipeline.js";
export { decodeBitmap, decodeBlob, imageFromSource, type WebImageSource } from "@fer/preprocess/web";

/** Options of {@link createWebPipeline}. */
export interface WebPipelineOptions {
  /** The engine (threads, where onnxruntime-web's wasm files are served); see `configureWebEngine`. */
  engine?: WebEngineOptions;
  /** YuNet's options and model URL (default: the model shipped in `@fer/face-detect`). */
  detector?: WebYunetOptions;
  /** The URLs of the CNN's model.json, weight files and card.json (default: the model shipped in `@fer/cnn`). */
  cnn?: LoadWebCnnOptions;
  /** The fast head file (default: `fast-head.json.gz` shipped in this package). */
  head?: string | URL;
  /** Average each face with its mirror image (default: as the head file says; the shipped fast head says yes). */
  mirrorAverage?: boolean;
  /** Faces whose detected box is smaller than this (px, shorter side) are ignored. Default 0. */
  minFaceSize?: number;
}

/** The fast pipeline in a page. */
export interface WebPipeline {
  readonly models: ModelsUsed;
  readonly classes: readonly string[];
  readonly engine: WebEngineInfo;
  /**
   * Finds and classifies the faces of `source` (an image element, canvas, video, ImageBitmap, VideoFrame, ImageData,
   * fer's Image, or a File/Blob decoded as Node's sharp would: EXIF orientation and ICC profile applied).
   */
  analyze(source: WebImageSource | Blob, file?: string): Promise<AnalysisResult>;
  /** Frees the networks. Idempotent. */
  dispose(): void;
}

/** The shipped fast head file, resolved by the app's bundler from this module. */
export function defaultFastHeadUrl(): URL {
  return new URL("../../models/fast-head.json.gz", import.meta.url);
}

/**
 * Loads the fast pipeline in a web page: YuNet + the shipped CNN on onnxruntime-web (wasm), the fast head from its
 * file. Models come from the packages' own files (the app's bundler serves them), never from a CDN.
 * @throws `WebEngineError` (fetch / model-load, naming the URL), `HeadError` for a bad head file.
 */
export async function createWebPipeline(options: WebPipelineOptions = {}): Promise<WebPipeline> {
  const engine = configureWebEngine(options.engine);
  const [detector, cnn, headFile] = await Promise.all([
    createWebYunetDetector(options.detector),
    loadWebCnn(options.cnn),
    fetchHead(options.head ?? defaultFastHeadUrl()),
  ]);
  return webPipelineOf(detector, cnn, headFile.head, {
    engine,
    layer: headFile.featureLayer ?? "dense1",
    mirrorAverage: options.mirrorAverage ?? headFile.mirrorAverage ?? false,
    minFaceSize: options.minFaceSize ?? 0,
  });
}

/** The pipeline over loaded parts (what {@link createWebPipeline} returns). */
function webPipelineOf(
  detector: FaceDetector,
  cnn: WebCnn,
  head: Head,
  settings: { engine: WebEngineInfo; layer: "dense1" | "dense2"; mirrorAverage: boolean; minFaceSize: number },
): WebPipeline {
  const { layer, mirrorAverage, minFaceSize } = settings;
  const classes = cnn.info.classes;
  const headClassIndex = head.classes.map((c) => classes.indexOf(c));
  const margin = DEFAULT_MARGINS.yunet;
  const align = DEFAULT_ALIGN;
  const size = cnn.size;
  // Gray + resize only: the CNN applies the card's contrast step itself, once (as cnnFeaturiser in Node).
  const grayResize = { ...cnn.info.preprocess, contrast: "none" as const };
  const models: ModelsUsed = {
    preset: "fast",
    detector: detector.name,
    featuriser: `cnn ${cnn.info.architecture} ${layer}`,
    head: head.kind,
    layer,
    margin,
    align,
    mirrorAverage,
    engines: { detector: "onnxruntime", featuriser: "onnxruntime" },
  };
  let disposed = false;

  const classify = async (crops: readonly Image[]): Promise<FaceScores[]> => {
    const count = crops.length;
    if (count === 0) return [];
    const faces = mirrorAverage ? [...crops, ...crops.map((f) => mirror(f))] : crops;
    const block = new Uint8Array(faces.length * size * size);
    faces.forEach((f, i) => block.set(prepareFaceBytes(f, grayResize).data, i * size * size));
    const features = await cnn.features(block, faces.length, layer);
    return scoreFeatures(head, features, count, mirrorAverage, classes, headClassIndex);
  };

  return {
    models,
    classes,
    engine: settings.engine,
    async analyze(source, file = "<image>") {
      if (disposed) throw new Error("the web pipeline was disposed");
      let image: Image;
      if (typeof Blob !== "undefined" && source instanceof Blob) {
        const decoded = await decodeBlob(source);
        decoded.bitmap.close();
        image = decoded.image;
      } else {
        image = imageFromSource(source as WebImageSource);
      }
      const found = (await detector.detect(image)).filter((d) => Math.min(d.width, d.height) >= minFaceSize);
      const crops = found.map((d) => frameFace(image, d, { margin, align, ...(d.landmarks !== undefined ? { eyes: d.landmarks } : {}) }));
      const scored = await classify(crops);
      const faces = found.map(
        (d, i): FaceResult => ({
          box: { x: d.x, y: d.y, width: d.width, height: d.height },
          ...(d.score !== undefined ? { detectionScore: d.score } : {}),
          ...scored[i]!,
        }),
      );
      return { file, width: image.width, height: image.height, faces, models };
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      detector.dispose();
      cnn.dispose();
    },
  };
}

/** Options of {@link drawAnalysis}. */
export interface DrawOptions {
  /** Box and label colour. Default `#00e676`. */
  color?: string;
  /** Line width in canvas pixels. Default: 1/300 of the image's longer side, at least 2. */
  lineWidth?: number;
}

/**
 * Draws `result`'s boxes and labels ("happy 93%") on a 2D canvas context already showing the analysed image at its
 * own size (draw the image first with `ctx.drawImage(source, 0, 0)`).
 */
export function drawAnalysis(ctx: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D, result: AnalysisResult, options: DrawOptions = {}): void {
  const color = options.color ?? "#00e676";
  const lineWidth = options.lineWidth ?? Math.max(2, Math.max(result.width, result.height) / 300);
  const fontSize = Math.max(12, Math.round(lineWidth * 7));
  ctx.save();
  ctx.lineWidth = lineWidth;
  ctx.strokeStyle = color;
  ctx.font = `${fontSize}px sans-serif`;
  ctx.textBaseline = "bottom";
  for (const face of result.faces) {
    const { x, y, width, height } = face.box;
    ctx.strokeRect(x, y, width, height);
    const label = `${face.emotion} ${Math.round(face.confidence * 100)}%`;
    const w = ctx.measureText(label).width + 2 * lineWidth;
    const top = y - fontSize - lineWidth >= 0 ? y - fontSize - lineWidth : y + height;
    ctx.fillStyle = color;
    ctx.fillRect(x - lineWidth / 2, top, w, fontSize + lineWidth);
    ctx.fillStyle = "#000";
    ctx.fillText(label, x + lineWidth / 2, top + fontSize + lineWidth / 2);
  }
  ctx.restore();
}
