// The example page: fer's fast pipeline (@fer/pipeline/web) on an image file or the webcam. Everything runs in the
// page on onnxruntime-web (wasm); the models are the packages' own files, served by this app.
import { buildWebCnnGraph } from "@fer/cnn/web";
import { createWebPipeline, decodeBitmap, drawAnalysis, type AnalysisResult } from "@fer/pipeline/web";

const status = document.querySelector<HTMLSpanElement>("#status")!;
const fileInput = document.querySelector<HTMLInputElement>("#file")!;
const webcamButton = document.querySelector<HTMLButtonElement>("#webcam")!;
const canvas = document.querySelector<HTMLCanvasElement>("#view")!;
const ctx = canvas.getContext("2d")!;
const params = new URLSearchParams(location.search);

const t0 = performance.now();
const ready = createWebPipeline({
  // onnxruntime-web's glue and wasm, copied into the build by vite.config.ts (never a CDN).
  engine: {
    wasmPaths: new URL("ort/", document.baseURI).href,
    threads: Number(params.get("threads") ?? 1),
    // ?engine=webgpu: onnxruntime-web's WebGPU build (opt-in; falls back to wasm for what WebGPU cannot run).
    ...(params.get("engine") === "webgpu" ? { executionProviders: ["webgpu", "wasm"] as const } : {}),
  },
  ...(params.get("mirror") === "off" ? { mirrorAverage: false } : {}),
});

function summary(result: AnalysisResult, ms: number): string {
  return `${result.faces.length} face${result.faces.length === 1 ? "" : "s"}: ${ms.toFixed(0)} ms per ${webcamOn ? "frame" : "photo"}`;
}

/**
 * Decodes an image file, analyses it, draws it with its boxes; resolves to the result and the analysis time, which
 * counts reading the decoded bitmap's pixels (as face-api's time counts reading its canvas) but not the decoding.
 */
async function analyzeBlob(blob: Blob, file: string): Promise<{ result: AnalysisResult; ms: number }> {
  const pipeline = await ready;
  const bitmap = await decodeBitmap(blob);
  const start = performance.now();
  const result = await pipeline.analyze(bitmap, file);
  const ms = performance.now() - start;
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  drawAnalysis(ctx, result);
  status.textContent = summary(result, ms);
  return { result, ms };
}

let webcamOn = false;
async function runWebcam(): Promise<void> {
  const pipeline = await ready;
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
  const video = document.createElement("video");
  video.srcObject = stream;
  video.muted = true;
  await video.play();
  webcamOn = true;
  webcamButton.textContent = "Stop";
  while (webcamOn) {
    const start = performance.now();
    const result = await pipeline.analyze(video, "webcam");
    const ms = performance.now() - start;
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    ctx.drawImage(video, 0, 0);
    drawAnalysis(ctx, result);
    status.textContent = summary(result, ms);
    await new Promise(requestAnimationFrame);
  }
  for (const track of stream.getTracks()) track.stop();
  webcamButton.textContent = "Webcam";
}

fileInput.addEventListener("change", () => {
  const file = fileInput.files?.[0];
  if (file !== undefined) void analyzeBlob(file, file.name).catch(showError);
});
webcamButton.addEventListener("click", () => {
  if (webcamOn) webcamOn = false;
  else void runWebcam().catch(showError);
});

function showError(e: unknown): void {
  status.textContent = `error: ${(e as Error).message}`;
  console.error(e);
}

ready.then(
  (p) => {
    status.textContent = `ready in ${(performance.now() - t0).toFixed(0)} ms (${p.engine.engine}, ${p.engine.threads} thread${p.engine.threads === 1 ? "" : "s"}): choose a photo or the webcam`;
    fileInput.disabled = false;
    webcamButton.disabled = false;
  },
  showError,
);

/** For scripts (the Playwright test, the benchmark): analyse the image at `url` as a user's file would be. */
declare global {
  interface Window {
    fer: {
      ready: Promise<unknown>;
      analyzeUrl(url: string): Promise<{ result: AnalysisResult; ms: number }>;
      /** SHA-256 (hex) and size of the CNN's ONNX graph as the page writes it (the test compares it with Node's). */
      cnnGraph(): Promise<{ sha256: string; bytes: number }>;
    };
  }
}
window.fer = {
  ready,
  async analyzeUrl(url) {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`cannot fetch ${url}: HTTP ${res.status}`);
    return analyzeBlob(await res.blob(), url.split("/").pop() ?? url);
  },
  async cnnGraph() {
    const { bytes } = await buildWebCnnGraph();
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(bytes)));
    return { sha256: Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(""), bytes: bytes.length };
  },
};
