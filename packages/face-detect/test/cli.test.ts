import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, test, vi } from "vitest";
import { detectEval, detectFaces } from "../src/cli.js";
import { parseWiderFaceAnnotations } from "../src/widerface.js";
import { PHOTOS_DIR, WIDER_DIR } from "./helpers.js";

/** Runs a command, capturing what it writes to stdout and stderr. */
async function run(cmd: (argv: string[]) => Promise<number>, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  const code = await cmd(argv);
  vi.restoreAllMocks();
  return { code, out, err };
}

afterEach(() => vi.restoreAllMocks());

/** The first `n` images of the shared WIDER FACE sample, as a ground-truth file of their own. */
function sampleGt(n: number): string {
  const text = readFileSync(path.join(WIDER_DIR, "wider_face_val_bbx_gt.txt"), "utf8");
  const images = parseWiderFaceAnnotations(text).slice(0, n);
  const lines = images.flatMap((img) => [
    img.file,
    String(img.faces.length),
    ...img.faces.map((f) => `${f.x} ${f.y} ${f.width} ${f.height} 0 0 0 ${f.invalid ? 1 : 0} 0 0`),
  ]);
  const file = path.join(mkdtempSync(path.join(tmpdir(), "fd-gt-")), "gt.txt");
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

describe("detect-eval", () => {
  test("--json prints the documented object for the detector", async () => {
    const gt = sampleGt(2);
    const { code, out } = await run(detectEval, ["--images", path.join(WIDER_DIR, "images"), "--gt", gt, "--detector", "haar", "--json"]);
    expect(code).toBe(0);
    const row = JSON.parse(out.trim()) as Record<string, unknown>;
    expect(Object.keys(row).sort()).toEqual(
      ["detector", "images", "faces", "recall40", "precision40", "recallAll", "falsePerImage", "msPerImage"].sort(),
    );
    expect(row.detector).toBe("haar");
    expect(row.images).toBe(2);
    expect(row.faces).toBeGreaterThan(25);
    for (const k of ["recall40", "precision40", "recallAll"]) {
      expect(row[k]).toBeGreaterThan(0);
      expect(row[k]).toBeLessThanOrEqual(1);
    }
    expect(row.msPerImage).toBeGreaterThan(0);
  });

  test("prints a table by default", async () => {
    const gt = sampleGt(1);
    const { code, out } = await run(detectEval, ["--images", path.join(WIDER_DIR, "images"), "--gt", gt, "--detector", "haar"]);
    expect(code).toBe(0);
    expect(out).toMatch(/^\| detector \| images \| faces \| recall ≥40 px/);
    expect(out).toMatch(/\n\| haar \| 1 \| \d+ \| [\d.]+% \|/);
  });

  test("bad arguments exit with 2 and say why", async () => {
    expect((await run(detectEval, ["--gt", "x"])).code).toBe(2);
    const unknown = await run(detectEval, ["--images", ".", "--gt", sampleGt(1), "--detector", "nope"]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown detector "nope"/);
    expect((await run(detectEval, ["--images", ".", "--gt", "/nonexistent/gt.txt", "--detector", "haar"])).code).toBe(2);
    expect((await run(detectEval, ["--bogus"])).code).toBe(2);
  });
});

describe("detect", () => {
  test("prints the faces of each image as a JSON line", async () => {
    const { code, out } = await run(detectFaces, [path.join(PHOTOS_DIR, "apollo11_crew.jpg"), "--detector", "haar"]);
    expect(code).toBe(0);
    const line = JSON.parse(out.trim()) as { width: number; height: number; faces: unknown[] };
    expect([line.width, line.height]).toEqual([600, 471]);
    expect(line.faces.length).toBeGreaterThanOrEqual(3);
  });
});
