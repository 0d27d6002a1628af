/**
 * The ABIs a Xen guest may speak on a ring, named as in xen/io/protocols.h
 * (XEN_IO_PROTO_ABI_X86_32 "x86_32-abi", XEN_IO_PROTO_ABI_X86_64 "x86_64-abi", XEN_IO_PROTO_ABI_ARM "arm-abi").
 *
 * Struct layouts are derived from each ABI's alignment rules, exactly as the C compiler lays them out.
 * The one rule that matters for the Xen rings: a 64-bit integer inside a struct is aligned to 4 on the
 * i386 System V ABI but to 8 on x86_64 and on the ARM EABI. That is why `blkif_request.id` sits at
 * offset 4 on x86_32 and at 8 elsewhere (see the checks in xen/blkif.ts).
 */
export type AbiName = 'x86_64' | 'x86_32' | 'arm';

export interface Abi {
  readonly name: AbiName;
  /** The string a frontend writes to xenstore's `protocol` node (protocols.h). */
  readonly protocol: string;
  /** The preprocessor symbol that selects this ABI in the headers (`#ifdef __i386__`). */
  readonly cppSymbol: string;
  readonly byteOrder: 'little';
  /** Alignment of an N-byte integer member inside a struct, keyed by N. */
  readonly alignOf: Readonly<Record<1 | 2 | 4 | 8, number>>;
}

export const abis: Readonly<Record<AbiName, Abi>> = Object.freeze({
  x86_64: { name: 'x86_64', protocol: 'x86_64-abi', cppSymbol: '__x86_64__', byteOrder: 'little', alignOf: { 1: 1, 2: 2, 4: 4, 8: 8 } },
  // i386 SysV psABI: long long / uint64_t members are 4-byte aligned in structs.
  x86_32: { name: 'x86_32', protocol: 'x86_32-abi', cppSymbol: '__i386__', byteOrder: 'little', alignOf: { 1: 1, 2: 2, 4: 4, 8: 4 } },
  // AAPCS (ARM EABI, what Xen's arm-abi means): 64-bit members are 8-byte aligned.
  arm: { name: 'arm', protocol: 'arm-abi', cppSymbol: '__arm__', byteOrder: 'little', alignOf: { 1: 1, 2: 2, 4: 4, 8: 8 } },
});

export const abiNames: readonly AbiName[] = Object.freeze(['x86_64', 'x86_32', 'arm'] as AbiName[]);

/** The ABI native to x86_64 hosts, and ringwire's default. */
export const defaultAbi: AbiName = 'x86_64';
