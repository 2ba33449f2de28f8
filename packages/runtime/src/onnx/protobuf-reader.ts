/** A field of a Protocol Buffers message: its number, wire type and value (a varint, fixed bytes or a slice). */
export interface ProtoField {
  field: number;
  wireType: 0 | 1 | 2 | 5;
  /** Varint (wire type 0) value. */
  int: bigint;
  /** Length-delimited (2) payload, or the 4 (5) / 8 (1) bytes of a fixed-width field. */
  bytes: Uint8Array;
}

/** Thrown for bytes that are not a well-formed protobuf message (the ONNX reader names the model in its own error). */
export class ProtoDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProtoDecodeError";
  }
}

/**
 * The reading side of {@link ProtoWriter}: walks the fields of one message (proto3 wire format). Groups (wire types 3
 * and 4, deprecated and absent from ONNX) are refused.
 */
export class ProtoReader {
  private pos = 0;

  constructor(private readonly buf: Uint8Array) {}

  private varint(): bigint {
    const [value, next] = readVarint(this.buf, this.pos);
    this.pos = next;
    return value;
  }

  private take(n: number): Uint8Array {
    if (this.pos + n > this.buf.length) throw new ProtoDecodeError(`field of ${n} bytes runs past the end of its message`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Every field of the message, in the order they appear. */
  *fields(): Generator<ProtoField> {
    while (this.pos < this.buf.length) {
      const tag = Number(this.varint());
      const field = tag >>> 3;
      const wireType = tag & 7;
      if (wireType === 0) yield { field, wireType, int: this.varint(), bytes: EMPTY };
      else if (wireType === 2) yield { field, wireType, int: 0n, bytes: this.take(Number(this.varint())) };
      else if (wireType === 5) yield { field, wireType, int: 0n, bytes: this.take(4) };
      else if (wireType === 1) yield { field, wireType, int: 0n, bytes: this.take(8) };
      else throw new ProtoDecodeError(`field ${field}: unsupported wire type ${wireType}`);
    }
  }
}

const EMPTY = new Uint8Array(0);

/** The varint at `pos` of `buf` and the position after it. */
function readVarint(buf: Uint8Array, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (pos >= buf.length) throw new ProtoDecodeError("truncated varint");
    const b = buf[pos++]!;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7n;
    if (shift > 63n) throw new ProtoDecodeError("varint longer than 10 bytes");
  }
}

/** A signed int64 varint as a number (two's complement, as protobuf writes negative values). */
export function toInt64(v: bigint): number {
  return Number(BigInt.asIntN(64, v));
}

/** The values of a packed repeated varint field (int32/int64). */
export function packedInts(bytes: Uint8Array): number[] {
  const out: number[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const [value, next] = readVarint(bytes, pos);
    out.push(toInt64(value));
    pos = next;
  }
  return out;
}

/** The values of a packed repeated float field (little-endian float32s). */
export function packedFloats(bytes: Uint8Array): number[] {
  if (bytes.length % 4 !== 0) throw new ProtoDecodeError(`packed floats: ${bytes.length} bytes is not a multiple of 4`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += 4) out.push(view.getFloat32(i, true));
  return out;
}

/** A fixed32 float field. */
export function fixedFloat(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, 4).getFloat32(0, true);
}

/** A UTF-8 string field. */
export function utf8(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}
