// @fer/cnn/web writes the CNN's ONNX graph from the model folder's own files, fetched as a page would: here fetch is
// served from the shipped folder on disk, and the graph must be Node's byte for byte (examples/web checks the same in
// Chromium); a folder whose files do not match is a ModelFolderError naming the URL.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { defaultCnnDir, readCnnDescription } from "../src/index.js";
import { cnnToOnnx } from "../src/onnx/index.js";
import { buildWebCnnGraph, ModelFolderError } from "../src/web.js";

const BASE = "http://127.0.0.1/cnn/";

/** Serves the shipped model folder at BASE, with `alter` applied to one file's bytes. */
function serveFolder(alter: (file: string, bytes: Uint8Array) => Uint8Array = (_f, b) => b): void {
  vi.stubGlobal("fetch", async (url: string | URL) => {
    const file = String(url).slice(BASE.length);
    try {
      return new Response(new Uint8Array(alter(file, new Uint8Array(await readFile(path.join(defaultCnnDir(), file))))));
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("buildWebCnnGraph", () => {
  it("writes the graph Node writes from the same model.json, weights.bin and card.json", async () => {
    serveFolder();
    const { bytes, info } = await buildWebCnnGraph({ model: `${BASE}model.json` });
    const node = cnnToOnnx(await readCnnDescription(defaultCnnDir()));
    expect(Buffer.from(bytes).equals(Buffer.from(node.bytes))).toBe(true);
    expect(info.names).toEqual(node.names);
    expect(info.classes).toEqual(["angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"]);
    expect(info.preprocess.size).toBe(48);
  });

  it("refuses a truncated weights.bin and a wrong number of weight URLs, naming the model.json URL", async () => {
    serveFolder((file, b) => (file === "weights.bin" ? b.subarray(0, b.length - 4) : b));
    await expect(buildWebCnnGraph({ model: `${BASE}model.json` })).rejects.toThrow(ModelFolderError);
    await expect(buildWebCnnGraph({ model: `${BASE}model.json` })).rejects.toThrow(`${BASE}model.json: weights.bin is truncated`);
    serveFolder();
    await expect(buildWebCnnGraph({ model: `${BASE}model.json`, weights: [] })).rejects.toThrow("its manifest names 1 weight files (weights.bin), 0 URLs were given");
  });
});
