/**
 * Reading and writing one C scalar at a byte offset, in the byte order its type and layout decided.
 * Every DataView call states its endianness explicitly.
 */
import type { ScalarLeaf } from '../layout/layout.js';

export function readScalar(dv: DataView, off: number, leaf: ScalarLeaf): number | bigint {
  const le = leaf.littleEndian;
  const t = leaf.type;
  switch (t.size) {
    case 1: return t.signed ? dv.getInt8(off) : dv.getUint8(off);
    case 2: return t.signed ? dv.getInt16(off, le) : dv.getUint16(off, le);
    case 4: return t.signed ? dv.getInt32(off, le) : dv.getUint32(off, le);
    case 8: return t.signed ? dv.getBigInt64(off, le) : dv.getBigUint64(off, le);
  }
}

/** Write an already range-checked value. */
export function writeScalar(dv: DataView, off: number, leaf: ScalarLeaf, v: number | bigint): void {
  const le = leaf.littleEndian;
  switch (leaf.type.size) {
    case 1: dv.setUint8(off, Number(v) & 0xff); return;
    case 2: dv.setUint16(off, Number(v) & 0xffff, le); return;
    case 4: dv.setUint32(off, Number(v) >>> 0, le); return;
    case 8: dv.setBigUint64(off, BigInt.asUintN(64, BigInt(v)), le); return;
  }
}

/** The inclusive range of a C integer type. */
export function scalarRange(leaf: ScalarLeaf): { min: bigint; max: bigint } {
  const bits = BigInt(leaf.type.size * 8);
  return leaf.type.signed
    ? { min: -(1n << (bits - 1n)), max: (1n << (bits - 1n)) - 1n }
    : { min: 0n, max: (1n << bits) - 1n };
}

const views = new WeakMap<Uint8Array, DataView>();

/**
 * A DataView over exactly the bytes of a Uint8Array (or the DataView itself), made once per array and
 * cached, so calls that take either form allocate nothing after the first.
 */
export function asDataView(buf: Uint8Array | DataView): DataView {
  if (buf instanceof DataView) return buf;
  let dv = views.get(buf);
  if (dv === undefined) {
    dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    views.set(buf, dv);
  }
  return dv;
}
