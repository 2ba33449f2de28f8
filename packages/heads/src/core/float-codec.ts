import { HeadError } from "./errors.js";

// The SVM heads that use these run in Node only (libsvm-js is loaded from disk), so Buffer does the base64.
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function bytesToBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** Buffer's decoder skips characters outside the alphabet; a saved head with any is malformed. */
function base64ToBytes(text: string, what: string): Uint8Array {
  if (text.length % 4 !== 0 || !BASE64.test(text)) throw new HeadError("bad-format", `${what}: not base64`);
  const b = Buffer.from(text, "base64");
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
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
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
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
