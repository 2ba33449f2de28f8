import { FerImageError } from "./errors.js";
import type { GrayImage } from "./image.js";
import { DEFAULT_MAX_PIXELS, pixelLimitDetail } from "./limits.js";

/** Options of {@link decodeBaselineGrayJpeg}. */
export interface GrayJpegOptions {
  /** Largest width x height accepted, checked from the header before any pixel is allocated (default {@link DEFAULT_MAX_PIXELS}). */
  readonly maxPixels?: number;
  /** Name used in the error (default `"<buffer>"`). */
  readonly file?: string;
}

/**
 * A small, strict decoder for the one JPEG variant FER2013 uses: baseline (SOF0/SOF1), Huffman-coded, 8-bit,
 * ONE component (grayscale), no restart intervals. Its IDCT is libjpeg's accurate integer `islow`
 * (the default of libjpeg-turbo/mozjpeg and so of sharp/libvips), so the pixels are bit-identical to sharp's.
 *
 * It returns `undefined` for anything else or anything unusual — progressive/arithmetic/colour/12-bit files,
 * EXIF or ICC segments (orientation and colour management need the full decoder), truncated or corrupt data,
 * restart intervals, stray bytes — and the caller falls back to the full decoder, which also produces the precise error.
 * Pure TypeScript, browser-safe. It exists because sharp costs ~1-2 ms per 48x48 file; this is several times cheaper.
 * @throws {FerImageError} `too-large` when the header announces more than `maxPixels` pixels (checked before any
 *   allocation, like sharp's own limit).
 */
export function decodeBaselineGrayJpeg(buf: Uint8Array, options: GrayJpegOptions = {}): GrayImage | undefined {
  try {
    return decode(buf, options.maxPixels ?? DEFAULT_MAX_PIXELS, options.file ?? "<buffer>");
  } catch (e) {
    if (e instanceof FerImageError) throw e;
    return undefined;
  }
}

// Zig-zag index -> natural (row-major) index.
const ZIGZAG = Uint8Array.from([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42,
  49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
]);

/** A canonical Huffman table: per code length, the largest code and the offset into `values`. */
interface Huffman {
  maxCode: Int32Array; // index 1..16; -1 when no code of that length
  valOffset: Int32Array;
  values: Uint8Array;
  /** 8-bit lookahead: (length << 8) | value, or 0 when the code is longer than 8 bits. */
  look: Uint16Array;
}

function buildHuffman(counts: Uint8Array, values: Uint8Array): Huffman {
  const maxCode = new Int32Array(18).fill(-1);
  const valOffset = new Int32Array(18);
  const look = new Uint16Array(256);
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    const n = counts[len - 1]!;
    if (n) {
      valOffset[len] = k - code;
      for (let i = 0; i < n; i++, k++, code++) {
        if (len <= 8) {
          const shift = 8 - len;
          const base = code << shift;
          for (let j = 0; j < 1 << shift; j++) look[base + j] = (len << 8) | values[k]!;
        }
      }
      maxCode[len] = code - 1;
    }
    if (code > 1 << len) throw new Error("bad Huffman table");
    code <<= 1;
  }
  maxCode[17] = 0x7fffffff;
  return { maxCode, valOffset, values, look };
}

// Post-IDCT range limit of libjpeg (indexed by value & 1023): -128..127 -> 0..255, larger clamps, wraps as libjpeg.
const RANGE = new Uint8Array(1024);
for (let j = 0; j < 1024; j++) RANGE[j] = j < 128 ? j + 128 : j < 512 ? 255 : j < 896 ? 0 : j - 896;

const CONST_BITS = 13;
const PASS1_BITS = 2;
const F0_298631336 = 2446;
const F0_390180644 = 3196;
const F0_541196100 = 4433;
const F0_765366865 = 6270;
const F0_899976223 = 7373;
const F1_175875602 = 9633;
const F1_501321110 = 12299;
const F1_847759065 = 15137;
const F1_961570560 = 16069;
const F2_053119869 = 16819;
const F2_562915447 = 20995;
const F3_072711026 = 25172;

/** Arithmetic right shift with rounding (libjpeg DESCALE), exact for values beyond 32 bits. */
function descale(x: number, n: number): number {
  return Math.floor((x + 2 ** (n - 1)) / 2 ** n);
}

const ROW = new Int32Array(8);

/** libjpeg `jpeg_idct_islow` on dequantised coefficients `c` (natural order) into `out` (stride). */
function idctIslow(c: Int32Array, ws: Float64Array, out: Uint8Array, outOff: number, stride: number, w: number, h: number): void {
  for (let col = 0; col < 8; col++) {
    if (c[8 + col] === 0 && c[16 + col] === 0 && c[24 + col] === 0 && c[32 + col] === 0 && c[40 + col] === 0 && c[48 + col] === 0 && c[56 + col] === 0) {
      const dc = c[col]! * 4;
      for (let r = 0; r < 8; r++) ws[r * 8 + col] = dc;
      continue;
    }
    let z2 = c[16 + col]!;
    let z3 = c[48 + col]!;
    let z1 = (z2 + z3) * F0_541196100;
    let tmp2 = z1 - z3 * F1_847759065;
    let tmp3 = z1 + z2 * F0_765366865;
    z2 = c[col]!;
    z3 = c[32 + col]!;
    let tmp0 = (z2 + z3) * 8192;
    let tmp1 = (z2 - z3) * 8192;
    const tmp10 = tmp0 + tmp3;
    const tmp13 = tmp0 - tmp3;
    const tmp11 = tmp1 + tmp2;
    const tmp12 = tmp1 - tmp2;
    tmp0 = c[56 + col]!;
    tmp1 = c[40 + col]!;
    tmp2 = c[24 + col]!;
    tmp3 = c[8 + col]!;
    z1 = tmp0 + tmp3;
    z2 = tmp1 + tmp2;
    z3 = tmp0 + tmp2;
    let z4 = tmp1 + tmp3;
    const z5 = (z3 + z4) * F1_175875602;
    tmp0 *= F0_298631336;
    tmp1 *= F2_053119869;
    tmp2 *= F3_072711026;
    tmp3 *= F1_501321110;
    z1 *= -F0_899976223;
    z2 *= -F2_562915447;
    z3 = z3 * -F1_961570560 + z5;
    z4 = z4 * -F0_390180644 + z5;
    tmp0 += z1 + z3;
    tmp1 += z2 + z4;
    tmp2 += z2 + z3;
    tmp3 += z1 + z4;
    const s = CONST_BITS - PASS1_BITS;
    ws[col] = descale(tmp10 + tmp3, s);
    ws[56 + col] = descale(tmp10 - tmp3, s);
    ws[8 + col] = descale(tmp11 + tmp2, s);
    ws[48 + col] = descale(tmp11 - tmp2, s);
    ws[16 + col] = descale(tmp12 + tmp1, s);
    ws[40 + col] = descale(tmp12 - tmp1, s);
    ws[24 + col] = descale(tmp13 + tmp0, s);
    ws[32 + col] = descale(tmp13 - tmp0, s);
  }
  const s2 = CONST_BITS + PASS1_BITS + 3;
  const row = ROW;
  for (let r = 0; r < h; r++) {
    const b = r * 8;
    let z2 = ws[b + 2]!;
    let z3 = ws[b + 6]!;
    let z1 = (z2 + z3) * F0_541196100;
    let tmp2 = z1 - z3 * F1_847759065;
    let tmp3 = z1 + z2 * F0_765366865;
    let tmp0 = (ws[b]! + ws[b + 4]!) * 8192;
    let tmp1 = (ws[b]! - ws[b + 4]!) * 8192;
    const tmp10 = tmp0 + tmp3;
    const tmp13 = tmp0 - tmp3;
    const tmp11 = tmp1 + tmp2;
    const tmp12 = tmp1 - tmp2;
    tmp0 = ws[b + 7]!;
    tmp1 = ws[b + 5]!;
    tmp2 = ws[b + 3]!;
    tmp3 = ws[b + 1]!;
    z1 = tmp0 + tmp3;
    z2 = tmp1 + tmp2;
    z3 = tmp0 + tmp2;
    let z4 = tmp1 + tmp3;
    const z5 = (z3 + z4) * F1_175875602;
    tmp0 *= F0_298631336;
    tmp1 *= F2_053119869;
    tmp2 *= F3_072711026;
    tmp3 *= F1_501321110;
    z1 *= -F0_899976223;
    z2 *= -F2_562915447;
    z3 = z3 * -F1_961570560 + z5;
    z4 = z4 * -F0_390180644 + z5;
    tmp0 += z1 + z3;
    tmp1 += z2 + z4;
    tmp2 += z2 + z3;
    tmp3 += z1 + z4;
    row[0] = descale(tmp10 + tmp3, s2);
    row[7] = descale(tmp10 - tmp3, s2);
    row[1] = descale(tmp11 + tmp2, s2);
    row[6] = descale(tmp11 - tmp2, s2);
    row[2] = descale(tmp12 + tmp1, s2);
    row[5] = descale(tmp12 - tmp1, s2);
    row[3] = descale(tmp13 + tmp0, s2);
    row[4] = descale(tmp13 - tmp0, s2);
    const o = outOff + r * stride;
    for (let x = 0; x < w; x++) out[o + x] = RANGE[row[x]! & 1023]!;
  }
}

function decode(buf: Uint8Array, maxPixels: number, file: string): GrayImage | undefined {
  if (buf.length < 4 || buf[0] !== 0xff || buf[1] !== 0xd8) return undefined;
  const qt: Array<Int32Array | undefined> = [];
  const dcTables: Array<Huffman | undefined> = [];
  const acTables: Array<Huffman | undefined> = [];
  let width = 0;
  let height = 0;
  let qIndex = -1;
  let i = 2;
  const u16 = (p: number): number => (buf[p]! << 8) | buf[p + 1]!;
  for (;;) {
    if (i + 4 > buf.length || buf[i] !== 0xff) return undefined;
    const marker = buf[i + 1]!;
    const len = u16(i + 2);
    const seg = i + 4;
    const end = i + 2 + len;
    if (len < 2 || end > buf.length) return undefined;
    if (marker === 0xdb) {
      for (let p = seg; p < end; ) {
        const pq = buf[p]! >> 4;
        const tq = buf[p]! & 15;
        if (tq > 3 || pq > 1) return undefined;
        const t = new Int32Array(64);
        p++;
        for (let k = 0; k < 64; k++, p += pq ? 2 : 1) t[ZIGZAG[k]!] = pq ? u16(p) : buf[p]!;
        qt[tq] = t;
        if (p > end) return undefined;
      }
    } else if (marker === 0xc4) {
      for (let p = seg; p < end; ) {
        const tc = buf[p]! >> 4;
        const th = buf[p]! & 15;
        if (tc > 1 || th > 3) return undefined;
        const counts = buf.subarray(p + 1, p + 17);
        let total = 0;
        for (const c of counts) total += c;
        const values = buf.slice(p + 17, p + 17 + total);
        if (p + 17 + total > end) return undefined;
        (tc === 0 ? dcTables : acTables)[th] = buildHuffman(counts, values);
        p += 17 + total;
      }
    } else if (marker === 0xc0 || marker === 0xc1) {
      if (buf[seg] !== 8 || buf[seg + 5] !== 1) return undefined; // 8-bit, one component
      height = u16(seg + 1);
      width = u16(seg + 3);
      qIndex = buf[seg + 8]!;
      if (width === 0 || height === 0) return undefined;
      if (width * height > maxPixels) throw new FerImageError("too-large", file, pixelLimitDetail(width, height, maxPixels));
    } else if (marker === 0xdd) {
      if (u16(seg) !== 0) return undefined; // restart intervals: left to the full decoder
    } else if (marker === 0xda) {
      if (!width || buf[seg] !== 1 || buf[seg + 3] !== 0 || buf[seg + 4] !== 63 || buf[seg + 5] !== 0) return undefined;
      const dc = dcTables[buf[seg + 2]! >> 4];
      const ac = acTables[buf[seg + 2]! & 15];
      const q = qt[qIndex];
      if (!dc || !ac || !q) return undefined;
      return decodeScan(buf, end, width, height, q, dc, ac);
    } else if (marker === 0xe1 && buf[seg] === 0x45 && buf[seg + 1] === 0x78 && buf[seg + 2] === 0x69 && buf[seg + 3] === 0x66) {
      return undefined; // EXIF: orientation is the full decoder's job
    } else if (marker === 0xe2) {
      return undefined; // ICC profile
    } else if ((marker >= 0xc2 && marker <= 0xcf) || marker === 0xdc || marker === 0xd9 || marker < 0xc0) {
      return undefined; // progressive, lossless, arithmetic, DNL, early EOI, junk
    }
    i = end;
  }
}

/** Bit reader over entropy-coded data (byte stuffing, markers), remembering where consumed bytes end. */
class ScanReader {
  bits = 0; // bit buffer, the low `nbits` bits are valid
  nbits = 0;
  hitMarker = false;
  /** Position just after each of the last 8 bytes fed to the bit buffer (-1 for zeros fed after a marker). */
  readonly fedEnd = new Int32Array(8);
  fed = 0;

  constructor(
    readonly buf: Uint8Array,
    public pos: number,
  ) {}

  fill(): void {
    const buf = this.buf;
    while (this.nbits <= 24) {
      let byte = 0;
      if (!this.hitMarker && this.pos < buf.length) {
        byte = buf[this.pos]!;
        if (byte === 0xff) {
          if (buf[this.pos + 1] === 0) this.pos += 2;
          else {
            this.hitMarker = true; // a marker: feed zeros (only legal as the last byte's padding)
            byte = 0;
          }
        } else this.pos++;
      } else if (!this.hitMarker) {
        throw new Error("data ends inside the scan");
      }
      this.fedEnd[this.fed++ & 7] = this.hitMarker ? -1 : this.pos;
      this.bits = ((this.bits << 8) | byte) >>> 0;
      this.nbits += 8;
    }
  }

  getBits(n: number): number {
    if (this.nbits < n) this.fill();
    this.nbits -= n;
    const v = (this.bits >>> this.nbits) & ((1 << n) - 1);
    this.bits &= this.nbits ? 0xffffffff >>> (32 - this.nbits) : 0;
    return v;
  }

  decodeSym(h: Huffman): number {
    if (this.nbits < 16) this.fill();
    const hit = h.look[(this.bits >>> (this.nbits - 8)) & 255]!;
    if (hit) {
      this.nbits -= hit >> 8;
      this.bits &= this.nbits ? 0xffffffff >>> (32 - this.nbits) : 0;
      return hit & 255;
    }
    let code = 0;
    for (let len = 1; len <= 16; len++) {
      code = (code << 1) | this.getBits(1);
      if (code <= h.maxCode[len]!) return h.values[h.valOffset[len]! + code]!;
    }
    throw new Error("bad Huffman code");
  }

  /**
   * Where the entropy-coded data consumed so far ends: just after the last byte a consumed bit came from
   * (whole bytes still in the bit buffer were only read ahead). -1 when consumed bits were zeros fed after a
   * marker, i.e. the data ran out (libjpeg would warn "premature end of data segment").
   */
  end(): number {
    const unread = this.nbits >> 3;
    if (this.fed === 0) return this.pos;
    if (unread >= this.fed) return -1;
    return this.fedEnd[(this.fed - 1 - unread) & 7]!;
  }

}

function extend(v: number, s: number): number {
  return v < 1 << (s - 1) ? v - (1 << s) + 1 : v;
}

function decodeScan(buf: Uint8Array, start: number, width: number, height: number, q: Int32Array, dc: Huffman, ac: Huffman): GrayImage | undefined {
  const rd = new ScanReader(buf, start);
  const bw = Math.ceil(width / 8);
  const bh = Math.ceil(height / 8);
  // Every block takes at least 2 bits (a DC and an end-of-block code): fewer bytes left means truncated data,
  // found before the output is allocated (a 1 KB file claiming 16000x16000 would otherwise cost 256 MB and seconds).
  if ((buf.length - start) * 4 < bw * bh) return undefined;
  const out = new Uint8Array(width * height);
  const coef = new Int32Array(64);
  const ws = new Float64Array(64);
  let pred = 0;
  for (let by = 0; by < bh; by++) {
    for (let bx = 0; bx < bw; bx++) {
      coef.fill(0);
      const t = rd.decodeSym(dc);
      if (t > 11) return undefined;
      const diff = t ? extend(rd.getBits(t), t) : 0;
      pred += diff;
      coef[0] = ((pred << 16) >> 16) * q[0]!; // stored as a 16-bit JCOEF, as libjpeg does
      for (let k = 1; k < 64; ) {
        const rs = rd.decodeSym(ac);
        const r = rs >> 4;
        const s = rs & 15;
        if (s === 0) {
          if (r !== 15) break;
          k += 16;
          continue;
        }
        k += r;
        if (k > 63) return undefined;
        const z = ZIGZAG[k]!;
        coef[z] = extend(rd.getBits(s), s) * q[z]!;
        k++;
      }
      idctIslow(coef, ws, out, by * 8 * width + bx * 8, width, Math.min(8, width - bx * 8), Math.min(8, height - by * 8));
    }
  }
  // The scan must be followed directly by EOI (stray bytes make libjpeg warn: such files go to the full decoder).
  const p = rd.end();
  if (p < 0 || buf[p] !== 0xff || buf[p + 1] !== 0xd9) return undefined;
  return { width, height, channels: 1, data: out };
}
