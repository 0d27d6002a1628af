/**
 * Codec benchmark: encode, object decode, decode into a reused object (64-bit members as bigint, or as
 * numbers with `int64: 'number'`) and in-place view reads of blkif_request and netif_tx_request,
 * against the C baseline (c/codec-bench.c) doing the same work on the same header structs, in the same run.
 * Medians of RUNS runs each; `--json` prints one JSON line per benchmark (report.ts).
 */
import { layoutOf, codecFor, encode, decode, decodeInto, bigField, numberField, elementField } from '../../src/index.js';
import { runCBaseline, nsPerOp } from './c-baseline.js';
import { handDecodeInto, handEncode, handEncodeUnchecked, type BlkifNumbers } from './codec-floor.js';
import { RUNS, benchLine, haveXenHeaders, note, printLines, type BenchLine } from './report.js';

const SLOTS = 64;
const N = Number(process.env['RINGWIRE_BENCH_N'] ?? 2_000_000);

type Ops = Record<'encode' | 'decode' | 'view', number>;
type CRun = { blkif_request: Ops; netif_tx_request: Ops };

function cRuns(): CRun[] | undefined {
  if (!haveXenHeaders()) {
    note('codec bench: the Xen headers are not installed (apt-get install libxen-dev): TypeScript figures only, no C baseline');
    return undefined;
  }
  const out = runCBaseline('codec-bench.c', [String(N * 5), String(RUNS)], ['-I/usr/include']) as Record<string, CRun | number>;
  return Object.keys(out).filter((k) => /^\d+$/.test(k)).map((k) => out[k] as CRun);
}

export function benchCodec(): BenchLine[] {
  const c = cRuns();
  const blk = layoutOf('blkif_request');
  const tx = layoutOf('netif_tx_request');
  const ring = new DataView(new ArrayBuffer(SLOTS * blk.size));
  const txRing = new DataView(new ArrayBuffer(SLOTS * tx.size));
  const blkVals = Array.from({ length: SLOTS }, (_, i) => ({
    operation: 1, nr_segments: 11, handle: i, id: 0x0807060504030201n + BigInt(i), sector_number: BigInt(i * 8),
    seg: Array.from({ length: 11 }, (_, s) => ({ gref: i * 16 + s, first_sect: 0, last_sect: 7 })),
  }));
  const txVals = Array.from({ length: SLOTS }, (_, i) => ({ gref: i, offset: 64, flags: 0, id: i, size: 1514 }));
  for (let i = 0; i < SLOTS; i++) { encode(blk, blkVals[i], ring, i * blk.size); encode(tx, txVals[i], txRing, i * tx.size); }

  const id = bigField(blk, 'id');
  const sector = bigField(blk, 'sector_number');
  const nr = numberField(blk, 'nr_segments');
  const op = numberField(blk, 'operation');
  const gref = elementField(blk, 'seg', 'gref');
  const last = elementField(blk, 'seg', 'last_sect');
  // One accessor per member, called at its own site (a loop over an array of accessors is polymorphic).
  const [txGref, txOffset, txFlags, txId, txSize] = ['gref', 'offset', 'flags', 'id', 'size'].map((p) => numberField(tx, p)) as [ReturnType<typeof numberField>, ReturnType<typeof numberField>, ReturnType<typeof numberField>, ReturnType<typeof numberField>, ReturnType<typeof numberField>];
  let nsink = 0;

  const blkEncode = nsPerOp(N / 4, (i) => { encode(blk, blkVals[i & (SLOTS - 1)], ring, (i & (SLOTS - 1)) * blk.size); }, RUNS);
  const blkCodec = codecFor('blkif_request');
  const txCodec = codecFor('netif_tx_request');
  const blkTyped = nsPerOp(N / 4, (i) => { blkCodec.encode(blkVals[i & (SLOTS - 1)] as never, ring, (i & (SLOTS - 1)) * blk.size); }, RUNS);
  const txTyped = nsPerOp(N, (i) => { txCodec.encode(txVals[i & (SLOTS - 1)] as never, txRing, (i & (SLOTS - 1)) * tx.size); }, RUNS);
  const blkDecode = nsPerOp(N / 4, (i) => { nsink += (decode(blk, ring, (i & (SLOTS - 1)) * blk.size)['nr_segments'] as number); }, RUNS);
  const reused = decode(blk, ring, 0);
  const blkInto = nsPerOp(N / 4, (i) => { nsink += decodeInto(blk, ring, (i & (SLOTS - 1)) * blk.size, reused)['nr_segments'] as number; }, RUNS);
  // The typed codec's decodeInto (generated per codec), 64-bit members as bigint (the default) and as numbers.
  const reusedTyped = blkCodec.decode(ring, 0);
  const blkCodecInto = nsPerOp(N / 4, (i) => { nsink += blkCodec.decodeInto(ring, (i & (SLOTS - 1)) * blk.size, reusedTyped).nr_segments; }, RUNS);
  // Number mode refuses values beyond 2^53 - 1: these slots hold 7-byte sentinels (0x07060504030201 + i).
  const blkNum = codecFor('blkif_request', { int64: 'number' });
  const numRing = new DataView(new ArrayBuffer(SLOTS * blk.size));
  for (let i = 0; i < SLOTS; i++) blkNum.encode({ ...blkVals[i]!, id: 0x07060504030201 + i, sector_number: i * 8 }, numRing, i * blk.size);
  const numVals = blkVals.map((v, i) => ({ ...v, id: 0x07060504030201 + i, sector_number: i * 8 }));
  const blkNumEncode = nsPerOp(N / 4, (i) => { blkNum.encode(numVals[i & (SLOTS - 1)] as never, ring, (i & (SLOTS - 1)) * blk.size); }, RUNS);
  const reusedNum = blkNum.decode(numRing, 0);
  const blkNumInto = nsPerOp(N, (i) => { nsink += blkNum.decodeInto(numRing, (i & (SLOTS - 1)) * blk.size, reusedNum).nr_segments; }, RUNS);
  // The engine's floor for both (codec-floor.ts): the same checks and stores written by hand for this one struct.
  const handNumEncode = nsPerOp(N / 4, (i) => { handEncode(numVals[i & (SLOTS - 1)] as BlkifNumbers, ring, (i & (SLOTS - 1)) * blk.size); }, RUNS);
  const handUnchecked = nsPerOp(N / 4, (i) => { handEncodeUnchecked(numVals[i & (SLOTS - 1)] as BlkifNumbers, ring, (i & (SLOTS - 1)) * blk.size); }, RUNS);
  const handTarget = blkNum.decode(numRing, 0) as BlkifNumbers;
  const numWords = new Uint32Array(numRing.buffer);
  const handNumInto = nsPerOp(N, (i) => { nsink += handDecodeInto(numRing, numWords, (i & (SLOTS - 1)) * blk.size, handTarget).nr_segments; }, RUNS);
  const blkNumDecode = nsPerOp(N / 4, (i) => { nsink += blkNum.decode(numRing, (i & (SLOTS - 1)) * blk.size).nr_segments; }, RUNS);
  const blkView = nsPerOp(N, (i) => {
    const b = (i & (SLOTS - 1)) * blk.size;
    let acc = nr.get(ring, b) + op.get(ring, b);
    for (let s = 0; s < 11; s++) acc += gref.get(ring, b + s * gref.stride) + last.get(ring, b + s * last.stride);
    // The 64-bit members as their 32-bit halves (no BigInt): what C's one 8-byte load gives, in two loads.
    nsink += acc + id.getLo(ring, b) + id.getHi(ring, b) + sector.getLo(ring, b) + sector.getHi(ring, b);
  }, RUNS);
  // The engine's floor for the same reads: DataView calls with the offsets as plain numbers, no accessor objects
  // (what a hand-written reader does). A view is bounded by this, not by ringwire's accessors.
  const [oNr, oOp, oGref, oLast, oId, oSector, gStride] = [nr.offset, op.offset, gref.offset, last.offset, id.offset, sector.offset, gref.stride];
  const blkRaw = nsPerOp(N, (i) => {
    const b = (i & (SLOTS - 1)) * blk.size;
    let acc = ring.getUint8(b + oNr) + ring.getUint8(b + oOp);
    for (let s = 0; s < 11; s++) acc += ring.getUint32(b + oGref + s * gStride, true) + ring.getUint8(b + oLast + s * gStride);
    nsink += acc + ring.getUint32(b + oId, true) + ring.getUint32(b + oId + 4, true) + ring.getUint32(b + oSector, true) + ring.getUint32(b + oSector + 4, true);
  }, RUNS);
  const [oTg, oTo, oTf, oTi, oTs] = [txGref.offset, txOffset.offset, txFlags.offset, txId.offset, txSize.offset];
  const txRaw = nsPerOp(N * 4, (i) => {
    const b = (i & (SLOTS - 1)) * tx.size;
    nsink += txRing.getUint32(b + oTg, true) + txRing.getUint16(b + oTo, true) + txRing.getUint16(b + oTf, true) + txRing.getUint16(b + oTi, true) + txRing.getUint16(b + oTs, true);
  }, RUNS);
  const txEncode = nsPerOp(N, (i) => { encode(tx, txVals[i & (SLOTS - 1)], txRing, (i & (SLOTS - 1)) * tx.size); }, RUNS);
  const txDecode = nsPerOp(N, (i) => { nsink += decode(tx, txRing, (i & (SLOTS - 1)) * tx.size)['size'] as number; }, RUNS);
  const txView = nsPerOp(N * 4, (i) => {
    const b = (i & (SLOTS - 1)) * tx.size;
    nsink += txGref.get(txRing, b) + txOffset.get(txRing, b) + txFlags.get(txRing, b) + txId.get(txRing, b) + txSize.get(txRing, b);
  }, RUNS);
  if (nsink === 1) console.log('');
  const cOf = (s: keyof CRun, k: keyof Ops): number[] | undefined => c?.map((r) => r[s][k]);
  return [
    benchLine('blkif_request encode (38 members, unknown keys scanned)', 'ns/op', blkEncode, cOf('blkif_request', 'encode')),
    benchLine('blkif_request typed codec encode (38 members checked)', 'ns/op', blkTyped, cOf('blkif_request', 'encode')),
    benchLine('blkif_request typed codec encode, int64 number (38 members checked)', 'ns/op', blkNumEncode, cOf('blkif_request', 'encode')),
    benchLine('blkif_request hand-written encode, int64 number (same checks, no library)', 'ns/op', handNumEncode, cOf('blkif_request', 'encode')),
    benchLine('blkif_request hand-written encode without checks (member reads and stores only)', 'ns/op', handUnchecked, cOf('blkif_request', 'encode')),
    benchLine('blkif_request decode (object, 38 members)', 'ns/op', blkDecode, cOf('blkif_request', 'decode')),
    benchLine('blkif_request decodeInto (reused object)', 'ns/op', blkInto, cOf('blkif_request', 'decode')),
    benchLine('blkif_request typed codec decodeInto (reused object, bigint)', 'ns/op', blkCodecInto, cOf('blkif_request', 'decode')),
    benchLine('blkif_request decodeInto, int64 number (reused object)', 'ns/op', blkNumInto, cOf('blkif_request', 'decode')),
    benchLine('blkif_request hand-written decodeInto, int64 number (same checks, no library)', 'ns/op', handNumInto, cOf('blkif_request', 'decode')),
    benchLine('blkif_request decode, int64 number (object)', 'ns/op', blkNumDecode, cOf('blkif_request', 'decode')),
    benchLine('blkif_request view reads (26 members)', 'ns/op', blkView, cOf('blkif_request', 'view')),
    benchLine('blkif_request raw DataView reads (26 members, the engine floor)', 'ns/op', blkRaw, cOf('blkif_request', 'view')),
    benchLine('netif_tx_request encode (5 members, unknown keys scanned)', 'ns/op', txEncode, cOf('netif_tx_request', 'encode')),
    benchLine('netif_tx_request typed codec encode (5 members checked)', 'ns/op', txTyped, cOf('netif_tx_request', 'encode')),
    benchLine('netif_tx_request decode (object, 5 members)', 'ns/op', txDecode, cOf('netif_tx_request', 'decode')),
    benchLine('netif_tx_request view reads (5 members)', 'ns/op', txView, cOf('netif_tx_request', 'view')),
    benchLine('netif_tx_request raw DataView reads (5 members, the engine floor)', 'ns/op', txRaw, cOf('netif_tx_request', 'view')),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) printLines('codec: ns per record, medians (C: gcc -O2 on the Xen headers)', benchCodec());
