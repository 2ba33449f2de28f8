import { beforeAll, expect, test, vi } from "vitest";
import { createDetector } from "../src/index.js";
import { loadPhoto } from "./helpers.js";
import { initTestBackend } from "./tf-backend.js";

// As if onnxruntime-node were not installed: @fer/runtime's engine choice finds no onnxruntime.
vi.mock("@fer/runtime", async (importOriginal) => {
  const real = await importOriginal<typeof import("@fer/runtime")>();
  return {
    ...real,
    resolveEngine: async (requested?: string) => {
      if (requested === "onnxruntime") throw new real.EngineError("missing", "engine onnxruntime asked for, but the onnxruntime-node package is not installed");
      if (requested !== undefined && requested !== "auto" && requested !== "tfjs") return real.resolveEngine(requested as never);
      return { engine: "tfjs" as const };
    },
  };
});

beforeAll(async () => {
  await initTestBackend();
});

test("without onnxruntime-node every network detector runs on tfjs by default; engine onnxruntime is engine-unavailable", async () => {
  const img = await loadPhoto("apollo11_crew.jpg");
  for (const name of ["yunet", "ultraface", "ssd-mobilenet-v1"] as const) {
    const d = await createDetector(name);
    try {
      expect(d.engine, name).toBe("tfjs");
      expect((await d.detect(img)).length, name).toBe(3);
    } finally {
      d.dispose();
    }
    await expect(createDetector(name, { engine: "onnxruntime" }), name).rejects.toMatchObject({ kind: "engine-unavailable", message: expect.stringContaining("onnxruntime-node") });
  }
});
