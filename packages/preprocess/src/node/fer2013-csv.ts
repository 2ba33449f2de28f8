import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { FaceDataset } from "../dataset.js";
import { EMOTIONS } from "../emotions.js";
import { FerDatasetError } from "../errors.js";
import type { DatasetProblem } from "./problems.js";

/** The three values of the `Usage` column of Kaggle's fer2013.csv. */
export type Fer2013Usage = "Training" | "PublicTest" | "PrivateTest";

/** Options of {@link loadFer2013Csv}. */
export interface LoadCsvOptions {
  /** Keep only rows with this Usage (default: all rows). */
  usage?: Fer2013Usage;
}

const SIDE = 48;
const PIXELS = SIDE * SIDE;

/**
 * Parses `count` space-separated integers 0..255 from `s` into `out` at `offset`.
 * Returns an error text, or undefined when the field is well formed.
 */
function parsePixels(s: string, out: Uint8Array, offset: number): string | undefined {
  let k = 0;
  let v = -1;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 32;
    if (c >= 48 && c <= 57) {
      v = (v < 0 ? 0 : v * 10) + (c - 48);
      if (v > 255) return `pixel ${k} is out of range 0..255`;
    } else if (c === 32) {
      if (v >= 0) {
        if (k >= PIXELS) return `more than ${PIXELS} pixels`;
        out[offset + k++] = v;
        v = -1;
      }
    } else {
      return `unexpected character ${JSON.stringify(String.fromCharCode(c))} in pixels`;
    }
  }
  return k === PIXELS ? undefined : `${k} pixels instead of ${PIXELS}`;
}

/**
 * Loads Kaggle's original `fer2013.csv` (header `emotion,pixels,Usage`; 48x48 pixels as 2,304 space-separated
 * integers) into a {@link FaceDataset} with the 7 EMOTIONS as classes and ids `csv:<row>` (0-based data row).
 * Rows of the wrong length or with bad values are skipped and reported as `bad-csv-row` problems (with the line);
 * a missing or wrong header throws a {@link FerDatasetError}.
 */
export async function loadFer2013Csv(file: string, options: LoadCsvOptions = {}): Promise<{ dataset: FaceDataset; problems: DatasetProblem[] }> {
  const stream = createReadStream(file, { encoding: "utf8", highWaterMark: 1 << 20 });
  const openError = new Promise<never>((_, reject) => {
    stream.once("error", (err) => reject(new FerDatasetError("unreadable-folder", file, (err as NodeJS.ErrnoException).code ?? String(err), { cause: err })));
  });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let pixels = new Uint8Array(1024 * PIXELS);
  let labels = new Uint8Array(1024);
  const ids: string[] = [];
  const problems: DatasetProblem[] = [];
  let lineNo = 0;
  let cols: { emotion: number; pixels: number; usage: number } | undefined;
  const read = (async () => {
    for await (const raw of lines) {
      lineNo++;
      const line = raw.trim();
      if (!cols) {
        const names = line.split(",").map((h) => h.trim().toLowerCase());
        const emotion = names.indexOf("emotion");
        const px = names.indexOf("pixels");
        const usage = names.indexOf("usage");
        if (emotion < 0 || px < 0) throw new FerDatasetError("bad-csv-header", file, `expected "emotion,pixels,Usage", got "${line.slice(0, 80)}"`, { line: lineNo });
        cols = { emotion, pixels: px, usage };
        continue;
      }
      if (line === "") continue;
      const row = lineNo - 2;
      const fields = line.split(",");
      const bad = (detail: string): void => {
        problems.push({ file: `${file}:${lineNo}`, error: new FerDatasetError("bad-csv-row", file, detail, { line: lineNo }) });
      };
      if (fields.length < 2 || fields.length < Math.max(cols.emotion, cols.pixels, cols.usage) + 1) {
        bad(`${fields.length} fields`);
        continue;
      }
      if (options.usage && cols.usage >= 0 && fields[cols.usage]!.trim() !== options.usage) continue;
      const label = Number(fields[cols.emotion]!.trim());
      if (!Number.isInteger(label) || label < 0 || label >= EMOTIONS.length) {
        bad(`emotion "${fields[cols.emotion]}" is not 0..${EMOTIONS.length - 1}`);
        continue;
      }
      const count = ids.length;
      if (count === labels.length) {
        const p = new Uint8Array(pixels.length * 2);
        p.set(pixels);
        pixels = p;
        const l = new Uint8Array(labels.length * 2);
        l.set(labels);
        labels = l;
      }
      const err = parsePixels(fields[cols.pixels]!.trim(), pixels, count * PIXELS);
      if (err) {
        bad(err);
        continue;
      }
      labels[count] = label;
      ids.push(`csv:${row}`);
    }
  })();
  await Promise.race([read, openError]);
  if (!cols) throw new FerDatasetError("bad-csv-header", file, "empty file", { line: 1 });
  const count = ids.length;
  return {
    dataset: { size: SIDE, count, pixels: pixels.slice(0, count * PIXELS), labels: labels.slice(0, count), classes: [...EMOTIONS], ids },
    problems,
  };
}
