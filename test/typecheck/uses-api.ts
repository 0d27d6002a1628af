// A user's file that uses the typed records correctly: `tsc --strict --noEmit` must accept it.
// (Compiled by test/codec/typed-records.test.ts against the built package; excluded from the main build.)
import { codecFor, type RecordInput, type RecordOf, type StructCodec } from 'ringwire';

const blk = codecFor('blkif_request', { abi: 'x86_32' });
const request: RecordInput<'blkif_request', 'x86_32'> = {
  operation: 1, nr_segments: 1, handle: 0, id: 7n, sector_number: 2048n,
  seg: Array.from({ length: 11 }, () => ({ gref: 0, first_sect: 0, last_sect: 7 })),
};
const bytes: Uint8Array = blk.encodeToBytes(request);
const back: RecordOf<'blkif_request', 'x86_32'> = blk.decode(bytes);
const id: bigint = back.id;
const gref: number = back.seg[3].gref;

// A union is an object with one member; decode's result is narrowed with `in`.
const extra = codecFor('netif_extra_info');
const e = extra.decode(extra.encodeToBytes({ type: 1, flags: 0, u: { gso: { size: 1448, type: 1, pad: 0, features: 0 } } }));
const gsoSize: number = 'gso' in e.u ? e.u.gso.size : 0;

// virtio_net_hdr_v1's anonymous union: its members are the header's own, one alternative at a time.
const net = codecFor('virtio_net_hdr_v1');
net.encodeToBytes({ flags: 1, gso_type: 0, hdr_len: 54, gso_size: 0, csum_start: 34, csum_offset: 16, num_buffers: 1 });
net.encodeToBytes({ flags: 1, gso_type: 0, hdr_len: 54, gso_size: 0, csum: { start: 34, offset: 16 }, num_buffers: 1 });
const h = net.decode(net.encodeToBytes({ flags: 4, gso_type: 0, hdr_len: 54, gso_size: 0, rsc: { segments: 3, dup_acks: 0 }, num_buffers: 1 }));
const segments: number = 'rsc' in h ? h.rsc.segments : 0;

// blkif_request_indirect's i386-only pad: required on x86_32, absent elsewhere.
const indirect = { operation: 6, indirect_op: 0, nr_segments: 1, id: 1n, sector_number: 0n, handle: 0, indirect_grefs: [1, 2, 3, 4, 5, 6, 7, 8] };
codecFor('blkif_request_indirect', { abi: 'x86_32' }).encodeToBytes({ ...indirect, pad: 0n });
codecFor('blkif_request_indirect').encodeToBytes(indirect);

// int64: 'number': 64-bit members are numbers in decode's result and encode's input; decodeInto reuses a record.
const blkNum = codecFor('blkif_request', { abi: 'x86_32', int64: 'number' });
const numRec = blkNum.decode(blkNum.encodeToBytes({ ...request, id: 7, sector_number: 2048 }));
const idNum: number = numRec.id;
const refilled: number = blkNum.decodeInto(bytes, 0, numRec).seg[3].gref;
const numGeneric: StructCodec = blkNum;

// A typed codec is still a StructCodec; a name known only at run time gets the untyped codec.
const generic: StructCodec = blk;
const name: string = 'blkif_response';
const anything = codecFor(name).decode(new Uint8Array(16))['whatever'];

export { id, gref, gsoSize, segments, generic, anything, idNum, refilled, numGeneric };
