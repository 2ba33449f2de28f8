import { HeadError } from "./errors.js";

/** Typed-array element types that saved heads use. */
export type DType = "float32" | "float64" | "int32" | "uint32" | "uint16" | "uint8" | "int16";

/** A typed array stored as base64 in a JSON document. */
export interface EncodedArray {
  readonly dtype: DType;
  readonly length: number;
  readonly base64: string;
}

type Typed = Float32Array | Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array | Int16Array;

const CTORS = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  uint32: Uint32Array,
  uint16: Uint16Array,
  uint8: Uint8Array,
  int16: Int16Array,
} as const;

function dtypeOf(a: Typed): DType {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Float64Array) return "float64";
  if (a instanceof Int32Array) return "int32";
  if (a instanceof Uint32Array) return "uint32";
  if (a instanceof Uint16Array) return "uint16";
  if (a instanceof Int16Array) return "int16";
  return "uint8";
}

interface BufferLike {
  from(a: ArrayBufferLike, off: number, len: number): { toString(enc: "base64"): string };
  from(s: string, enc: "base64"): Uint8Array;
}

function nodeBuffer(): BufferLike | undefined {
  return (globalThis as { Buffer?: BufferLike }).Buffer;
}

/** Encodes a typed array (little-endian bytes) as base64 for a JSON document. */
export function encodeArray(a: Typed): EncodedArray {
  const B = nodeBuffer();
  let base64: string;
  if (B) base64 = B.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");
  else {
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    let s = "";
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    base64 = btoa(s);
  }
  return { dtype: dtypeOf(a), length: a.length, base64 };
}

/**
 * Decodes an {@link EncodedArray}, checking its dtype (must be `dtype` when given) and length.
 * Throws `bad-format` on any mismatch so a truncated or edited file is never half-loaded.
 */
export function decodeArray<D extends DType>(e: EncodedArray, dtype: D, what: string): InstanceType<(typeof CTORS)[D]> {
  if (e === null || typeof e !== "object" || e.dtype !== dtype || typeof e.base64 !== "string" || !Number.isInteger(e.length)) {
    throw new HeadError("bad-format", `${what}: expected a base64 ${dtype} array`);
  }
  const B = nodeBuffer();
  let bytes: Uint8Array;
  if (B) bytes = B.from(e.base64, "base64");
  else {
    const s = atob(e.base64);
    bytes = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  }
  const Ctor = CTORS[dtype];
  if (bytes.byteLength !== e.length * Ctor.BYTES_PER_ELEMENT) {
    throw new HeadError("bad-format", `${what}: ${bytes.byteLength} bytes do not hold ${e.length} ${dtype} values`);
  }
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Ctor(copy.buffer) as InstanceType<(typeof CTORS)[D]>;
}
