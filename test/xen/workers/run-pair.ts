/** Start the blkif front and back workers on a fresh SharedArrayBuffer ring and collect their reports. */
import { Worker } from 'node:worker_threads';
import { SharedRing, ringType } from '../../../src/xen/index.js';
import { RING_BYTES, CONTROL_WORDS, type PairConfig } from './blkif-pair-layout.js';

export type PairReport = Record<string, number>;

export function runPair(cfg: Omit<PairConfig, 'sab'>): Promise<[PairReport, PairReport]> {
  const sab = new SharedArrayBuffer(RING_BYTES + CONTROL_WORDS * 4);
  SharedRing.init(sab, ringType('blkif'));
  const run = (file: string) => new Promise<PairReport>((resolve, reject) => {
    const w = new Worker(new URL(file, import.meta.url), { workerData: { ...cfg, sab } });
    w.once('message', resolve);
    w.once('error', reject);
    w.once('exit', (code) => { if (code !== 0) reject(new Error(`${file} exited ${code}`)); });
  });
  return cfg.api === 'record'
    ? Promise.all([run('./blkif-front-record-worker.js'), run('./blkif-back-record-worker.js')])
    : Promise.all([run('./blkif-front-worker.js'), run('./blkif-back-worker.js')]);
}
