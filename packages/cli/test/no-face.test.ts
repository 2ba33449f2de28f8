import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { PHOTOS } from "./helpers.js";

const bin = path.resolve(import.meta.dirname, "../bin/fer.js");
let work: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "fer-no-face-"));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

it("fer analyze says plainly when a photo has no face, and lists the faces of one that has", async () => {
  const blank = path.join(work, "blank.png");
  await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 128, g: 128, b: 128 } } }).png().toFile(blank);
  const r = await new Promise<{ code: number; stdout: string }>((resolve) => {
    execFile(process.execPath, [bin, "analyze", blank, PHOTOS.apollo, "--cnn", inject("tinyCnnDir")], { timeout: 240_000 }, (err, stdout) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout });
    });
  });
  expect(r.code).toBe(0);
  const lines = r.stdout.trim().split("\n");
  expect(lines[0]).toBe(`no face found in ${blank}`);
  expect(lines[1]).toMatch(new RegExp(`^${PHOTOS.apollo.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: 3 faces: `));
});
