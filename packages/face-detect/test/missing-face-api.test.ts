import { beforeAll, expect, test, vi } from "vitest";
import { createDetector } from "../src/index.js";
import { loadPhoto } from "./helpers.js";
import { initTestBackend } from "./tf-backend.js";

// As if the optional peer @vladmandic/face-api were not installed: resolving it fails as Node's resolver does.
vi.mock("node:module", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:module")>();
  return {
    ...real,
    createRequire: (from: string | URL) => {
      const req = real.createRequire(from);
      const resolve = (id: string, options?: { paths?: string[] }): string => {
        if (id.startsWith("@vladmandic/face-api")) throw Object.assign(new Error(`Cannot find module '${id}'`), { code: "MODULE_NOT_FOUND" });
        return req.resolve(id, options);
      };
      return Object.assign((id: string) => req(id), req, { resolve });
    },
  };
});

beforeAll(async () => {
  await initTestBackend();
});

test("without @vladmandic/face-api, tiny-face is a missing-package error naming it; the shipped detectors still run", async () => {
  await expect(createDetector("tiny-face")).rejects.toMatchObject({ kind: "missing-package", message: expect.stringContaining("@vladmandic/face-api") });
  // With its weights folder given, tiny-face needs no package either.
  const { createRequire } = await vi.importActual<typeof import("node:module")>("node:module");
  const dir = createRequire(import.meta.url).resolve("@vladmandic/face-api/package.json").replace(/package\.json$/, "model");
  const tiny = await createDetector("tiny-face", { modelDir: dir, inputSize: 128 });
  tiny.dispose();
  const img = await loadPhoto("apollo11_crew.jpg");
  for (const name of ["ssd-mobilenet-v1", "yunet"] as const) {
    const d = await createDetector(name, { engine: "tfjs" });
    try {
      expect((await d.detect(img)).length, name).toBe(3);
    } finally {
      d.dispose();
    }
  }
});
