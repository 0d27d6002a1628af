/**
 * Name the field a byte of a traced region belongs to, from the interface's setup and the protocol layouts:
 * a Xen ring's header word or the request/response member in a slot, a virtio descriptor member, an avail or
 * used ring entry, an event word. Used to report where a replay diverged (`blkif_response.status` of slot 3).
 * Cold path: called once per divergence, so it may allocate.
 */
import { RWT_REGION_XEN_RING, type TraceSetup } from '../../protocol/trace/index.js';
import { layoutOf } from '../layout/compile.js';
import type { StructLayout } from '../layout/layout.js';
import { describeLines } from '../codec/describe.js';
import { ringType } from '../xen/ring-type.js';
import type { XenRingName } from '../xen/ring-type.js';
import { splitAreas } from '../virtio/split-geometry.js';
import type { ReplayRegion } from './replayer.js';

export interface LocatedField {
  readonly path: string;
  readonly trace: string;
  readonly implementation: string;
}

/** The member of `layout` (placed at `base` of both byte arrays) that holds byte `offset`, and its two values. */
function member(layout: StructLayout, base: number, offset: number, prefix: string, want: Uint8Array, got: Uint8Array): LocatedField {
  const w = describeLines(layout, want, base);
  const g = describeLines(layout, got, base);
  const rel = offset - base;
  const k = w.findIndex((l) => rel >= l.offset && rel < l.offset + l.size);
  const line = w[k];
  if (line === undefined) return bytes(prefix, offset, want, got);
  const value = (l: typeof line | undefined) => (l === undefined ? '?' : l.value === undefined ? `0x${l.hex}` : String(l.value));
  return { path: `${prefix}${layout.name}.${line.path}`, trace: value(line), implementation: value(g[k]) };
}

function bytes(prefix: string, offset: number, want: Uint8Array, got: Uint8Array): LocatedField {
  const hex = (b: Uint8Array) => (b[offset] ?? 0).toString(16).padStart(2, '0');
  return { path: `${prefix}byte ${offset}`, trace: `0x${hex(want)}`, implementation: `0x${hex(got)}` };
}

export function locateField(setup: TraceSetup, region: ReplayRegion, offset: number, side: 'front' | 'back', want: Uint8Array, got: Uint8Array): LocatedField {
  if (setup.transport === 'xen') {
    // Only the ring pages have a layout; a granted data page is plain bytes.
    if (region.kind !== RWT_REGION_XEN_RING) return bytes(`${region.name} `, offset, want, got);
    const type = ringType(setup.ring as XenRingName, { abi: setup.abi });
    const ring = type.header.ring;
    if (offset < ring) return member(layoutOf('xen_sring_header', { abi: type.abi }), 0, offset, '', want, got);
    const slot = Math.floor((offset - ring) / type.entrySize);
    const base = ring + slot * type.entrySize;
    // The side under test writes responses (backend) or requests (frontend) into the slots.
    const codec = side === 'back' ? type.response : type.request;
    if (offset - base >= codec.size) return bytes(`slot ${slot} `, offset, want, got);
    return member(codec.layout, base, offset, `slot ${slot} `, want, got);
  }
  const gpa = region.address + offset;
  const byteOrder = setup.byte_order;
  const at = (s: string | undefined) => (s === undefined ? undefined : Number(BigInt(s)));
  const desc = at(setup.desc) as number;
  if (setup.layout === 'split') {
    const areas = splitAreas(setup.size, true);
    const avail = at(setup.avail) ?? -1;
    const used = at(setup.used) ?? -1;
    if (gpa >= desc && gpa < desc + areas.descSize) {
      const i = Math.floor((gpa - desc) / areas.descStride);
      return member(layoutOf('vring_desc', { byteOrder }), desc + i * areas.descStride - region.address, offset, `desc[${i}] `, want, got);
    }
    if (gpa >= avail && gpa < avail + areas.availSize) {
      const rel = gpa - avail;
      if (rel < areas.availRing) return member(layoutOf('vring_avail', { byteOrder }), avail - region.address, offset, '', want, got);
      if (rel >= areas.usedEvent) return { ...bytes('', offset, want, got), path: 'vring_avail used_event' };
      return { ...bytes('', offset, want, got), path: `vring_avail.ring[${Math.floor((rel - areas.availRing) / areas.availStride)}]` };
    }
    if (gpa >= used && gpa < used + areas.usedSize) {
      const rel = gpa - used;
      if (rel < areas.usedRing) return member(layoutOf('vring_used', { byteOrder }), used - region.address, offset, '', want, got);
      if (rel >= areas.availEvent) return { ...bytes('', offset, want, got), path: 'vring_used avail_event' };
      const i = Math.floor((rel - areas.usedRing) / areas.usedStride);
      return member(layoutOf('vring_used_elem', { byteOrder }), used + areas.usedRing + i * areas.usedStride - region.address, offset, `vring_used.ring[${i}] `, want, got);
    }
  } else {
    const d = layoutOf('vring_packed_desc');
    if (gpa >= desc && gpa < desc + setup.size * d.size) {
      const i = Math.floor((gpa - desc) / d.size);
      return member(d, desc + i * d.size - region.address, offset, `desc[${i}] `, want, got);
    }
    const ev = layoutOf('vring_packed_desc_event');
    for (const [name, a] of [['driver_event', at(setup.driver_event)], ['device_event', at(setup.device_event)]] as const) {
      if (a !== undefined && gpa >= a && gpa < a + ev.size) return member(ev, a - region.address, offset, `${name} `, want, got);
    }
  }
  return { ...bytes('', offset, want, got), path: `guest memory at 0x${gpa.toString(16)}` };
}
