// A user's file with mistakes typed records must catch: each line after an `// error:` comment must fail
// with that TypeScript error code and a message matching the pattern; no other line may fail.
import { codecFor } from 'ringwire';

const seg = Array.from({ length: 11 }, () => ({ gref: 0, first_sect: 0, last_sect: 7 }));
const blk = codecFor('blkif_request', { abi: 'x86_32' });
// error: TS2561|TS2353 'opration'
blk.encodeToBytes({ opration: 1, nr_segments: 1, handle: 0, id: 7n, sector_number: 0n, seg });
// error: TS2322 Type 'number' is not assignable to type 'bigint'
blk.encodeToBytes({ operation: 1, nr_segments: 1, handle: 0, id: 7, sector_number: 0n, seg });
// error: TS2551|TS2339 'sector_numbr'
const sector = blk.decode(new Uint8Array(108)).sector_numbr;
// error: TS2322 Type 'number' is not assignable to type 'bigint'
const op: bigint = blk.decode(new Uint8Array(108)).operation;
const blkNum = codecFor('blkif_request', { abi: 'x86_32', int64: 'number' });
// error: TS2322 Type 'number' is not assignable to type 'bigint'
const idBig: bigint = blkNum.decode(new Uint8Array(108)).id;
// error: TS2322 Type 'bigint' is not assignable to type 'number'
blkNum.encodeToBytes({ operation: 1, nr_segments: 1, handle: 0, id: 7n, sector_number: 0, seg });
// error: TS2769 No overload matches this call
codecFor('blkif_request', { int64: 'Number' });
const net = codecFor('virtio_net_hdr_v1');
// error: TS2345 rsc?: undefined
net.encodeToBytes({ flags: 0, gso_type: 0, hdr_len: 0, gso_size: 0, csum_start: 1, csum_offset: 2, rsc: { segments: 1, dup_acks: 0 }, num_buffers: 0 });
// error: TS2353|TS2561 'pad'
codecFor('blkif_request_indirect').encodeToBytes({ operation: 6, indirect_op: 0, nr_segments: 1, id: 1n, sector_number: 0n, handle: 0, indirect_grefs: [1, 2, 3, 4, 5, 6, 7, 8], pad: 0n });
// error: TS2345|TS2741 'pad'
codecFor('blkif_request_indirect', { abi: 'x86_32' }).encodeToBytes({ operation: 6, indirect_op: 0, nr_segments: 1, id: 1n, sector_number: 0n, handle: 0, indirect_grefs: [1, 2, 3, 4, 5, 6, 7, 8] });

export { sector, op, idBig };
