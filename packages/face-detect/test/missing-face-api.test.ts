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

test("without @vladmandic/face-api, ssd-mobilenet-v1 and tiny-face are missing-package errors naming it; yunet still runs", async () => {
  const { createRequire } = await vi.importActual<typeof import("node:module")>("node:module");
  const dir = createRequire(import.meta.url).resolve("@vladmandic/face-api/package.json").replace(/package\.json$/, "model");
  const img = await loadPhoto("apollo11_crew.jpg");
  for (const name of ["ssd-mobilenet-v1", "tiny-face"] as const) {
    await expect(createDetector(name, { engine: "tfjs" }), name).rejects.toMatchObject({
      kind: "missing-package",
      message: expect.stringMatching(new RegExp(`${name}.*@vladmandic/face-api.*npm i @vladmandic/face-api@`)),
    });
    // With its weights folder given, the detector needs no package.
    const d = await createDetector(name, { modelDir: dir, engine: "tfjs" });
    try {
      if (name === "ssd-mobilenet-v1") expect((await d.detect(img)).length, name).toBe(3);
    } finally {
      d.dispose();
    }
  }
  const yunet = await createDetector("yunet", { engine: "tfjs" });
  try {
    expect((await yunet.detect(img)).length).toBe(3);
  } finally {
    yunet.dispose();
  }
});
