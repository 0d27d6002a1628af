/**
 * Writes the ring-image fixtures under fixtures/xen/ with the real ring code, and beside each the
 * `ringwire dump xen --json` output expected for it. Deterministic; rerun after a deliberate change:
 *   npx tsc -p . && node dist/test/xen/make-fixtures.js
 * test/cli/dump-xen.test.ts checks the CLI against these files.
 */
import { writeFileSync } from 'node:fs';
import { SharedRing, FrontRing, BackRing, BlkifFront, BlkifBack, ringType, BLKIF_RSP_OKAY } from '../../src/xen/index.js';
import { dumpXen } from '../../src/cli/dump-xen.js';

export interface XenFixture { readonly name: string; readonly args: string[]; readonly exit: number; readonly build: () => Uint8Array }

/**
 * A blkif ring holding every request shape: read (2 segments), discard, indirect write, flush, secure
 * discard and indirect read outstanding, after an indirect read answered (with its indirect_op, as Linux
 * blkback's make_response does) — so request and response slots of each kind are in the image.
 */
function mixedBlkif(abi: 'x86_64' | 'x86_32'): Uint8Array {
  const s = SharedRing.init(new ArrayBuffer(4096), ringType('blkif', { abi }));
  const front = new BlkifFront(FrontRing.attach(s));
  const back = new BlkifBack(BackRing.attach(s));
  front.queue({ op: 'indirect', id: 0x0807060504030201n, indirectOp: 'read', handle: 0x0300, sector: 0x40n, nrSegments: 40, indirectGrefs: [0x300] });
  front.push();
  for (const r of back.take()) back.respond(r, BLKIF_RSP_OKAY);
  back.push();
  front.poll();
  front.queue({ op: 'read', handle: 0x0300, sector: 0x0807060504030201n, segments: [{ gref: 0x101, first_sect: 1, last_sect: 7 }, { gref: 0x102, first_sect: 0, last_sect: 3 }] });
  front.queue({ op: 'discard', handle: 0x0300, sector: 0x1000n, nrSectors: 0x800n });
  front.queue({ op: 'indirect', indirectOp: 'write', handle: 0x0300, sector: 0x2000n, nrSegments: 600, indirectGrefs: [0x201, 0x202] });
  front.queue({ op: 'flush', handle: 0x0300 });
  front.queue({ op: 'discard', handle: 0x0300, sector: 0x3000n, nrSectors: 8n, secure: true });
  front.push();
  return new Uint8Array(s.bytes);
}

const segs = (n: number) => Array.from({ length: 11 }, (_v, i) => (i < n ? { gref: 0x100 + i, first_sect: 0, last_sect: 7 } : { gref: 0, first_sect: 0, last_sect: 0 }));

export const xenFixtures: readonly XenFixture[] = [
  {
    // A blkif ring whose indices wrap: 5 requests produced from 0xfffffffe, 2 answered and pushed.
    name: 'blkif-x86_64-order0', args: ['--ring', 'blkif'], exit: 0,
    build: () => {
      const s = SharedRing.init(new ArrayBuffer(4096), ringType('blkif'));
      s.reqProd = s.rspProd = 0xfffffffe; s.reqEvent = s.rspEvent = 0xffffffff;
      const f = FrontRing.attach(s, 0xfffffffe);
      const b = BackRing.attach(s, 0xfffffffe);
      for (let k = 0; k < 5; k++) {
        f.encodeRequest(f.nextRequestIndex(), { operation: k % 2, nr_segments: k + 1, handle: 0x0300, id: 0x1000n + BigInt(k), sector_number: 8n * BigInt(k), seg: segs(k + 1) });
      }
      f.pushRequests();
      for (let k = 0; k < 2; k++) {
        const req = b.readRequest(b.reqCons++);
        b.encodeResponse(b.nextResponseIndex(), { id: req['id'], operation: req['operation'], status: 0 });
      }
      b.pushResponses();
      b.finalCheckForRequests();
      return new Uint8Array(s.bytes);
    },
  },
  {
    // netif_tx: a 3-slot packet (NETTXF_more_data) with a GSO extra-info slot after the first.
    name: 'netif_tx-x86_64-order0', args: ['--ring', 'netif_tx', '--abi', 'x86_64-abi'], exit: 0,
    build: () => {
      const s = SharedRing.init(new ArrayBuffer(4096), ringType('netif_tx'));
      const f = FrontRing.attach(s);
      f.encodeRequest(f.nextRequestIndex(), { gref: 11, offset: 0, flags: 1 | 4 | 8, id: 0, size: 3000 });
      f.writeRequest(f.nextRequestIndex(), new Uint8Array([1, 0, 0xb4, 0x05, 1, 0, 0, 0, 0, 0, 0, 0])); // GSO extra: size 1460, TCPv4
      f.encodeRequest(f.nextRequestIndex(), { gref: 12, offset: 0, flags: 4, id: 1, size: 1000 });
      f.encodeRequest(f.nextRequestIndex(), { gref: 13, offset: 0, flags: 0, id: 2, size: 1000 });
      f.pushRequests();
      return new Uint8Array(s.bytes);
    },
  },
  {
    // An x86_32 blkif ring whose frontend published 40 requests past rsp_prod on a 32-entry ring.
    name: 'blkif-x86_32-req-prod-overflow', args: ['--ring', 'blkif', '--abi', 'x86_32'], exit: 1,
    build: () => {
      const s = SharedRing.init(new ArrayBuffer(4096), ringType('blkif', { abi: 'x86_32' }));
      const f = FrontRing.attach(s);
      for (let k = 0; k < 32; k++) {
        f.encodeRequest(f.nextRequestIndex(), { operation: 0, nr_segments: k === 31 ? 12 : 1, handle: 0, id: BigInt(k), sector_number: BigInt(k), seg: segs(1) });
      }
      s.reqProd = 40;
      return new Uint8Array(s.bytes);
    },
  },
  { name: 'blkif-x86_64-discard-indirect', args: ['--ring', 'blkif'], exit: 0, build: () => mixedBlkif('x86_64') },
  { name: 'blkif-x86_32-discard-indirect', args: ['--ring', 'blkif', '--abi', 'x86_32'], exit: 0, build: () => mixedBlkif('x86_32') },
];

async function main(): Promise<void> {
  const dir = new URL('../../../fixtures/xen/', import.meta.url);
  for (const fx of xenFixtures) {
    const ring = `${fx.name}.ring`;
    const image = fx.build();
    writeFileSync(new URL(ring, dir), image);
    let out = '';
    const code = await dumpXen([...fx.args, `fixtures/xen/${ring}`, '--json'], { out: (t) => { out += t; }, err: () => {}, readFile: () => image });
    if (code !== fx.exit) throw new Error(`${fx.name}: exit ${code}, expected ${fx.exit}`);
    writeFileSync(new URL(`${fx.name}.json`, dir), `${out}\n`);
    process.stdout.write(`wrote fixtures/xen/${ring} and ${fx.name}.json (exit ${code})\n`);
  }
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, '/'))) void main();
