/**
 * Differential proof: replay the operation sequences that test/oracle/xen-rings.c ran through the real
 * ring.h macros, and require the same shared header, private indices, results, flags, ring-memory hash
 * and copied-bytes hash after every step. Runs each scenario over an ArrayBuffer (plain access) and over a
 * SharedArrayBuffer (Atomics). Regenerate the goldens with `bash test/oracle/xen-rings.sh`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { SharedRing, FrontRing, BackRing, ringType, type XenRingName } from '../../src/xen/index.js';
import type { AbiName } from '../../protocol/index.js';

const goldenDir = new URL('../../../test/golden/xen-rings/', import.meta.url);

interface Golden {
  ring: XenRingName; abi: AbiName; seed: number; order: number; start: number; nrEnts: number; entrySize: number;
  requestSize: number; responseSize: number; ringBytes: number; fields: string[]; steps: number[][];
}

const enum Op {
  Init, ProduceReq, PushReq, PushReqNotify, ConsumeReq, ProduceRsp, PushRsp, PushRspNotify, ConsumeRsp,
  FinalCheckReq, FinalCheckRsp, PeerReqEvent, PeerRspEvent, PeerReqProd, PeerRspProd,
}

/** FNV-1a 32, as the oracle computes it. */
function fnv1a(h: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ (bytes[i] as number), 16777619) >>> 0;
  return h >>> 0;
}
const FNV_BASIS = 2166136261;

function replay(g: Golden, buffer: ArrayBufferLike, byteOffset = 0): void {
  const type = ringType(g.ring, { abi: g.abi });
  new Uint8Array(buffer, byteOffset, g.ringBytes).fill(0xa5);
  const s = SharedRing.init(buffer, type, { order: g.order, byteOffset });
  assert.equal(s.port.shared, buffer instanceof SharedArrayBuffer);
  if (g.start !== 0) { s.reqProd = s.rspProd = g.start; s.reqEvent = s.rspEvent = g.start + 1; }
  const f = FrontRing.attach(s, g.start);
  const b = BackRing.attach(s, g.start);
  assert.equal(f.nrEnts, g.nrEnts);
  const reqSize = type.request.size;
  const rspSize = type.response.size;
  const req = new Uint8Array(reqSize);
  const rsp = new Uint8Array(rspSize);
  let copyHash = FNV_BASIS;

  g.steps.forEach((want, step) => {
    const [op, arg] = want as [number, number];
    let result = 0;
    switch (op) {
      case Op.Init: break;
      case Op.ProduceReq:
        for (let i = 0; i < arg; i++, f.reqProdPvt++) {
          for (let k = 0; k < reqSize; k++) req[k] = (Math.imul(f.reqProdPvt, 0x9e) + k * 7 + 0x31) & 0xff;
          f.writeRequest(f.reqProdPvt, req);
        }
        break;
      case Op.PushReq: f.pushRequests(); break;
      case Op.PushReqNotify: result = f.pushRequestsAndCheckNotify() ? 1 : 0; break;
      case Op.ConsumeReq:
        for (let i = 0; i < arg; i++, b.reqCons++) copyHash = fnv1a(copyHash, b.copyRequest(b.reqCons, req));
        break;
      case Op.ProduceRsp:
        for (let i = 0; i < arg; i++, b.rspProdPvt++) {
          for (let k = 0; k < rspSize; k++) rsp[k] = ((Math.imul(b.rspProdPvt, 0x5b) + k * 13 + 0xc4) & 0xff) ^ (copyHash & 0xff);
          b.writeResponse(b.rspProdPvt, rsp);
        }
        break;
      case Op.PushRsp: b.pushResponses(); break;
      case Op.PushRspNotify: result = b.pushResponsesAndCheckNotify() ? 1 : 0; break;
      case Op.ConsumeRsp:
        for (let i = 0; i < arg; i++, f.rspCons++) copyHash = fnv1a(copyHash, f.copyResponse(f.rspCons, rsp));
        break;
      case Op.FinalCheckReq: result = b.finalCheckForRequests(); break;
      case Op.FinalCheckRsp: result = f.finalCheckForResponses(); break;
      case Op.PeerReqEvent: s.reqEvent = arg; break;
      case Op.PeerRspEvent: s.rspEvent = arg; break;
      case Op.PeerReqProd: s.reqProd = arg; break;
      case Op.PeerRspProd: s.rspProd = arg; break;
      default: assert.fail(`unknown op ${op} at step ${step}`);
    }
    const flags = (f.full() ? 1 : 0) | (b.requestConsOverflow(b.reqCons) ? 2 : 0)
      | (b.requestProdOverflow(s.reqProd) ? 4 : 0) | (f.responseProdOverflow(s.rspProd) ? 8 : 0);
    const got = [op, arg, result, s.reqProd, s.reqEvent, s.rspProd, s.rspEvent, f.reqProdPvt, f.rspCons,
      b.rspProdPvt, b.reqCons, f.freeRequests(), f.unconsumedResponses(), b.unconsumedRequests(), flags,
      fnv1a(FNV_BASIS, s.bytes), copyHash];
    if (got.some((v, i) => v !== want[i])) {
      const diff = g.fields.filter((_n, i) => got[i] !== want[i]).map((n) => `${n}: ts ${got[g.fields.indexOf(n)]} vs C ${want[g.fields.indexOf(n)]}`);
      assert.fail(`${g.ring}/${g.abi} order ${g.order} start ${g.start} seed ${g.seed}: step ${step} (op ${op}) differs: ${diff.join('; ')}`);
    }
  });
}

const files = readdirSync(goldenDir).filter((n) => n.endsWith('.json')).sort();

test('the xen-rings goldens are present and cover both ABIs, 1 and 4 pages, every ring type and wrapping starts', () => {
  const gs = files.map((n) => JSON.parse(readFileSync(new URL(n, goldenDir), 'utf8')) as Golden);
  assert.ok(gs.length >= 9);
  assert.deepEqual(new Set(gs.map((g) => g.ring)), new Set(['blkif', 'netif_tx', 'netif_rx', 'xen_netif_ctrl']));
  assert.deepEqual(new Set(gs.filter((g) => g.ring === 'blkif').map((g) => `${g.abi}/${g.order}`)), new Set(['x86_64/0', 'x86_64/2', 'x86_32/0', 'x86_32/2']));
  assert.ok(gs.filter((g) => g.start >= 0xffffff00).length >= 7);
});

for (const name of files) {
  const g = JSON.parse(readFileSync(new URL(name, goldenDir), 'utf8')) as Golden;
  test(`ring.h replay ${name}: sizes match the C types`, () => {
    const t = ringType(g.ring, { abi: g.abi });
    assert.deepEqual(
      { nrEnts: t.nrEnts(g.order), entrySize: t.entrySize, requestSize: t.request.size, responseSize: t.response.size, ringBytes: t.ringBytes(g.order) },
      { nrEnts: g.nrEnts, entrySize: g.entrySize, requestSize: g.requestSize, responseSize: g.responseSize, ringBytes: g.ringBytes },
    );
  });
  test(`ring.h replay ${name}: ${g.steps.length} steps over an ArrayBuffer`, () => replay(g, new ArrayBuffer(g.ringBytes)));
  test(`ring.h replay ${name}: ${g.steps.length} steps over a SharedArrayBuffer at an offset`, () => {
    const sab = new SharedArrayBuffer(g.ringBytes + 512);
    const outside = [new Uint8Array(sab, 0, 256), new Uint8Array(sab, 256 + g.ringBytes)];
    for (const o of outside) o.fill(0x3c);
    replay(g, sab, 256);
    for (const o of outside) assert.ok(o.every((x) => x === 0x3c), 'bytes outside the ring were written');
  });
}
