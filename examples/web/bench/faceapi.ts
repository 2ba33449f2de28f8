// face-api (@vladmandic/face-api, esm-nobundle on the page's own @tensorflow/tfjs) on the same decoded images as the
// fer page: `detectAllFaces(canvas, SsdMobilenetv1Options).withFaceExpressions()` on tfjs's wasm backend, one thread.
// Benchmark only (bench/faceapi-bench.mjs); models and wasm served from node_modules by the benchmark's server.
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import * as faceapi from "@vladmandic/face-api/dist/face-api.esm-nobundle.js";
import { decodeBlob } from "@fer/preprocess/web";

const status = document.querySelector<HTMLSpanElement>("#status")!;
const canvas = document.querySelector<HTMLCanvasElement>("#view")!;

const ready = (async () => {
  const t0 = performance.now();
  setWasmPaths(new URL("/tfjs/", document.baseURI).href);
  // tfjs-backend-wasm's threaded build dies in its workers when bundled by Vite ("e is not defined"): one thread.
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  await tf.setBackend("wasm");
  await tf.ready();
  const base = new URL("/faceapi-model", document.baseURI).href;
  await faceapi.nets.ssdMobilenetv1.loadFromUri(base);
  await faceapi.nets.faceExpressionNet.loadFromUri(base);
  const info = { backend: tf.getBackend(), tfjs: tf.version.tfjs, loadMs: performance.now() - t0 };
  status.textContent = `ready: ${JSON.stringify(info)}`;
  return info;
})();

async function analyzeUrl(url: string): Promise<{ faces: { emotion: string }[]; ms: number }> {
  await ready;
  const { bitmap } = await decodeBlob(await (await fetch(url)).blob());
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  canvas.getContext("2d", { willReadFrequently: true })!.drawImage(bitmap, 0, 0);
  bitmap.close();
  const start = performance.now();
  const found = await faceapi.detectAllFaces(canvas, new faceapi.SsdMobilenetv1Options()).withFaceExpressions();
  const ms = performance.now() - start;
  const faces = found.map((f) => ({ emotion: Object.entries(f.expressions as unknown as Record<string, number>).sort((p, q) => q[1] - p[1])[0]![0] }));
  status.textContent = `${faces.length} faces: ${ms.toFixed(0)} ms per photo`;
  return { faces, ms };
}

Object.assign(window, { fer: { ready, analyzeUrl } });
