/**
 * The epb_flags a record carries, from its acting party (pcapng §4.3.1 bits 0-1). Seen from the guest:
 * the frontend / driver sends out, the backend / device answers in; the recorder's own records say nothing.
 */
import {
  EPB_FLAGS_INBOUND, EPB_FLAGS_OUTBOUND, RWT_PARTY_BACK, RWT_PARTY_FRONT,
} from '../../protocol/trace/index.js';

export function directionFlags(party: number): number {
  return party === RWT_PARTY_FRONT ? EPB_FLAGS_OUTBOUND : party === RWT_PARTY_BACK ? EPB_FLAGS_INBOUND : 0;
}
