// imageFromRgba of the browser entry (what every page image goes through) on a real photo: the same RGB bytes as
// sharp's, whatever the pixel count and the buffer's alignment; a transparent pixel keeps the 4 channels.
import path from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { imageFromRgba } from "../src/web/index.js";
import { sharedRoot } from "./helpers.js";

const PHOTO = path.join(sharedRoot, "photos", "apollo11_crew.jpg");

/** A `width` x `height` region of the photo as RGBA and as RGB bytes, both from sharp. */
async function region(width: number, height: number): Promise<{ rgba: Uint8Array; rgb: Uint8Array }> {
  const part = sharp(PHOTO).extract({ left: 100, top: 50, width, height });
  const rgba = await part.clone().ensureAlpha().raw().toBuffer();
  const rgb = await part.clone().removeAlpha().raw().toBuffer();
  return { rgba: new Uint8Array(rgba), rgb: new Uint8Array(rgb) };
}

describe("imageFromRgba (@fer/preprocess/web)", () => {
  it.each([
    [400, 300],
    [101, 37], // a pixel count that is not a multiple of 4
  ])("an opaque %ix%i region gives sharp's RGB bytes", async (width, height) => {
    const { rgba, rgb } = await region(width, height);
    const image = imageFromRgba(rgba, width, height);
    expect(image.channels).toBe(3);
    expect(Buffer.from(image.data).equals(Buffer.from(rgb))).toBe(true);
  });

  it("gives the same bytes from a buffer that is not 4-byte aligned", async () => {
    const { rgba, rgb } = await region(101, 37);
    const shifted = new Uint8Array(rgba.length + 1);
    shifted.set(rgba, 1);
    const image = imageFromRgba(shifted.subarray(1), 101, 37);
    expect(Buffer.from(image.data).equals(Buffer.from(rgb))).toBe(true);
  });

  it("keeps RGBA when a pixel is transparent", async () => {
    const { rgba } = await region(101, 37);
    rgba[4 * 1234 + 3] = 0;
    const image = imageFromRgba(rgba, 101, 37);
    expect(image.channels).toBe(4);
    expect(Buffer.from(image.data).equals(Buffer.from(rgba))).toBe(true);
  });
});
