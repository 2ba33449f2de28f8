import { HeadError } from "./errors.js";

// Plain base64 (RFC 4648) without Buffer, so saved heads encode and decode the same in Node and in browsers.
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

function bytesToBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  const chunk = 3 * 4096;
  for (let start = 0; start < bytes.length; start += chunk) {
    const end = Math.min(bytes.length, start + chunk);
    let s = "";
    for (let i = start; i < end; i += 3) {
      const b0 = bytes[i]!;
      const b1 = i + 1 < end ? bytes[i + 1]! : 0;
      const b2 = i + 2 < end ? bytes[i + 2]! : 0;
      s += ALPHABET[b0 >> 2]! + ALPHABET[((b0 & 3) << 4) | (b1 >> 4)]!;
      s += i + 1 < end ? ALPHABET[((b1 & 15) << 2) | (b2 >> 6)]! : "=";
      s += i + 2 < end ? ALPHABET[b2 & 63]! : "=";
    }
    parts.push(s);
  }
  return parts.join("");
}

function base64ToBytes(text: string, what: string): Uint8Array {
  const clean = text.replace(/=+$/, "");
  if (text.length % 4 !== 0 || clean.length < text.length - 2) throw new HeadError("bad-format", `${what}: not base64`);
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < clean.length; i++) {
    const c = clean.charCodeAt(i);
    const v = c < 128 ? LOOKUP[c]! : -1;
    if (v < 0) throw new HeadError("bad-format", `${what}: not base64`);
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

/** Little-endian float32 values as base64: a third of the size of JSON numbers, and exact for float32 data. */
export function float32ToBase64(values: ArrayLike<number>): string {
  const f = values instanceof Float32Array ? values : Float32Array.from(values);
  const bytes = new Uint8Array(f.byteLength);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < f.length; i++) view.setFloat32(4 * i, f[i]!, true);
  return bytesToBase64(bytes);
}

/** Decodes {@link float32ToBase64}; the count must be `length` and every value finite, else `bad-format`. */
export function base64ToFloat32(text: unknown, length: number, what: string): Float32Array {
  if (typeof text !== "string") throw new HeadError("bad-format", `${what}: expected a base64 string`);
  const bytes = base64ToBytes(text, what);
  if (bytes.byteLength !== length * 4) {
    throw new HeadError("bad-format", `${what}: expected ${length} float32 values, found ${bytes.byteLength / 4}`);
  }
  const view = new DataView(bytes.buffer);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    const v = view.getFloat32(4 * i, true);
    if (!Number.isFinite(v)) throw new HeadError("bad-format", `${what}: value ${i} is not finite`);
    out[i] = v;
  }
  return out;
}

/** Bytes as base64. */
export function uint8ToBase64(values: Uint8Array): string {
  return bytesToBase64(values);
}

/** Decodes {@link uint8ToBase64}; the count must be `length`, else `bad-format`. */
export function base64ToUint8(text: unknown, length: number, what: string): Uint8Array {
  if (typeof text !== "string") throw new HeadError("bad-format", `${what}: expected a base64 string`);
  const bytes = base64ToBytes(text, what);
  if (bytes.byteLength !== length) throw new HeadError("bad-format", `${what}: expected ${length} bytes, found ${bytes.byteLength}`);
  return bytes;
}
