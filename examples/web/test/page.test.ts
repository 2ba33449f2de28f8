// The example page in a real Chromium (Debian's /usr/bin/chromium driven by playwright-core): built with Vite, served
// from 127.0.0.1 by our own server, fed shared photos; it must find the same faces (boxes within 3 px) with the same
// emotions as @fer/pipeline's createPipeline() in Node on the same files, with no console error or warning, no page
// error and no failed request.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defaultCnnDir, readCnnDescription } from "@fer/cnn";
import { cnnToOnnx } from "@fer/cnn/onnx";
import { createPipeline, type AnalysisResult, type Pipeline } from "@fer/pipeline";
import { sharedDir } from "@fer/preprocess/node";
import { chromium, type Browser, type Page } from "playwright-core";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStaticServer } from "../scripts/static-server.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const OUT = path.join(ROOT, "test-dist");
const PHOTOS = path.join(sharedDir(), "photos");
/** Small group, family, the PNG with an ICC profile, a large photo, a crowd (20 faces). */
const FILES = ["apollo11_crew.jpg", "obama_family_2011.jpg", "face_paint_portrait.png", "women_on_phones.jpg", "classroom_tanzania.jpg"];
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const MAX_BOX_PX = 3;

let server: { url: string; close: () => Promise<void> };
let browser: Browser;
let page: Page;
let node: Pipeline;
const problems: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  await build({ root: ROOT, logLevel: "warn", build: { outDir: OUT, emptyOutDir: true } });
  server = await startStaticServer([
    ["/photos/", PHOTOS],
    ["/", OUT],
  ]);
  [browser, node] = await Promise.all([chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"] }), createPipeline()]);
  page = await browser.newPage();
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`);
  });
  await page.goto(`${server.url}/`);
  await page.evaluate(() => window.fer.ready);
}, 180_000);

afterAll(async () => {
  node?.dispose();
  await browser?.close();
  await server?.close();
});

/** Intersection over union of two boxes. */
function iou(a: AnalysisResult["faces"][number]["box"], b: AnalysisResult["faces"][number]["box"]): number {
  const w = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const h = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  return (w * h) / (a.width * a.height + b.width * b.height - w * h);
}

describe("the example page in Chromium", () => {
  it("runs cross-origin isolated on onnxruntime-web", async () => {
    expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
    expect(await page.textContent("#status")).toMatch(/^ready in \d+ ms \(onnxruntime-web\/wasm, 1 thread\)/);
  });

  it("writes the CNN's ONNX graph from the shipped model.json and weights.bin byte for byte as Node does", async () => {
    const { bytes } = cnnToOnnx(await readCnnDescription(defaultCnnDir()));
    const inPage = await page.evaluate(() => window.fer.cnnGraph());
    expect(inPage).toEqual({ sha256: createHash("sha256").update(bytes).digest("hex"), bytes: bytes.length });
  });

  it.each(FILES)("%s: the same faces and emotions as Node", async (name) => {
    const expected = await node.analyze(path.join(PHOTOS, name));
    const { result } = await page.evaluate((url) => window.fer.analyzeUrl(url), `/photos/${name}`);
    expect([result.width, result.height]).toEqual([expected.width, expected.height]);
    expect(result.faces.length).toBe(expected.faces.length);
    expect(expected.faces.length).toBeGreaterThan(0);
    for (const want of expected.faces) {
      const got = result.faces.reduce((best, f) => (iou(f.box, want.box) > iou(best.box, want.box) ? f : best));
      const dx = Math.max(
        Math.abs(got.box.x - want.box.x),
        Math.abs(got.box.y - want.box.y),
        Math.abs(got.box.width - want.box.width),
        Math.abs(got.box.height - want.box.height),
      );
      expect(dx, `${name}: box ${JSON.stringify(want.box)}`).toBeLessThanOrEqual(MAX_BOX_PX);
      expect(got.emotion, `${name}: face at ${want.box.x},${want.box.y}`).toBe(want.emotion);
      expect(Math.abs(got.confidence - want.confidence), `${name}: confidence`).toBeLessThan(0.05);
    }
    expect(await page.textContent("#status")).toMatch(new RegExp(`^${expected.faces.length} faces?: \\d+ ms per photo$`));
  });

  it("analyses the webcam live (Chromium's fake camera) and stops", async () => {
    await page.click("#webcam");
    await page.waitForFunction(() => /^\d+ faces?: \d+ ms per frame$/.test(document.querySelector("#status")?.textContent ?? ""), null, { timeout: 60_000 });
    expect(await page.evaluate(() => [document.querySelector("canvas")!.width, document.querySelector("canvas")!.height])).toEqual([640, 480]);
    await page.click("#webcam");
    await page.waitForFunction(() => document.querySelector("#webcam")?.textContent === "Webcam", null, { timeout: 30_000 });
  });

  it("logged no console error or warning, no page error, no failed request", () => {
    expect(problems).toEqual([]);
  });
});
