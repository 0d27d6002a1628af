/**
 * xen/io/netif.h — the network device protocol: tx and rx rings of single slots, extra-info slots, and
 * the control ring.
 *
 * netif_tx_request (12 bytes, one slot):
 *   0              4         6         8         10        12
 *   | gref         | offset  | flags   | id      | size    |
 *
 * netif_extra_info (8 bytes): | type | flags | u (6 bytes: gso, mcast, hash or pad, chosen by type) |
 *   gso:   | size (2) | type | pad | features (2) |
 *   mcast: | addr (6)                              |
 *   hash:  | type | algorithm | value (4)          |
 */
import { everyAbi, type StructDecl } from '../decl.js';
import type { RingTypeDecl } from './ring.js';


export const netif_tx_request = {
  name: 'netif_tx_request',
  kind: 'struct',
  header: 'xen/io/netif.h',
  doc: 'One tx slot: a granted buffer fragment; the first slot of a packet carries the whole packet size.',
  fields: [
    { name: 'gref', type: 'grant_ref_t' },
    { name: 'offset', type: 'uint16_t' },
    { name: 'flags', type: 'uint16_t', doc: 'NETTXF_*' },
    { name: 'id', type: 'uint16_t', doc: 'echoed in the response' },
    { name: 'size', type: 'uint16_t', doc: 'packet size in bytes (first slot) or fragment size' },
  ],
  expect: everyAbi({ size: 12, offsets: { gref: 0, offset: 4, flags: 6, id: 8, size: 10 } }),
} as const satisfies StructDecl;

export const netif_tx_response = {
  name: 'netif_tx_response',
  kind: 'struct',
  header: 'xen/io/netif.h',
  doc: 'Completion of one tx slot (or NETIF_RSP_NULL for an extra-info slot).',
  fields: [
    { name: 'id', type: 'uint16_t' },
    { name: 'status', type: 'int16_t', doc: 'NETIF_RSP_*' },
  ],
  expect: everyAbi({ size: 4, offsets: { id: 0, status: 2 } }),
} as const satisfies StructDecl;

export const netif_rx_request = {
  name: 'netif_rx_request',
  kind: 'struct',
  header: 'xen/io/netif.h',
  doc: 'One rx slot: a granted page the backend may fill.',
  fields: [
    { name: 'id', type: 'uint16_t', doc: 'echoed in response message' },
    { name: 'pad', type: 'uint16_t' },
    { name: 'gref', type: 'grant_ref_t' },
  ],
  expect: everyAbi({ size: 8, offsets: { id: 0, pad: 2, gref: 4 } }),
} as const satisfies StructDecl;

export const netif_rx_response = {
  name: 'netif_rx_response',
  kind: 'struct',
  header: 'xen/io/netif.h',
  doc: 'One filled rx slot; status is the byte count when non-negative.',
  fields: [
    { name: 'id', type: 'uint16_t' },
    { name: 'offset', type: 'uint16_t' },
    { name: 'flags', type: 'uint16_t', doc: 'NETRXF_*' },
    { name: 'status', type: 'int16_t', doc: '-ve: NETIF_RSP_*; +ve: received packet size' },
  ],
  expect: everyAbi({ size: 8, offsets: { id: 0, offset: 2, flags: 4, status: 6 } }),
} as const satisfies StructDecl;

export const netif_extra_info = {
  name: 'netif_extra_info',
  kind: 'struct',
  header: 'xen/io/netif.h',
  doc: 'An extra-info slot following a slot with NETTXF_extra_info / NETRXF_extra_info; u is chosen by type.',
  fields: [
    { name: 'type', type: 'uint8_t', doc: 'XEN_NETIF_EXTRA_TYPE_*' },
    { name: 'flags', type: 'uint8_t', doc: 'XEN_NETIF_EXTRA_FLAG_*' },
    {
      name: 'u',
      type: {
        kind: 'union',
        fields: [
          {
            name: 'gso',
            type: {
              kind: 'struct',
              fields: [
                { name: 'size', type: 'uint16_t', doc: 'maximum payload size of each segment' },
                { name: 'type', type: 'uint8_t', doc: 'XEN_NETIF_GSO_TYPE_*' },
                { name: 'pad', type: 'uint8_t', doc: 'future expansion' },
                { name: 'features', type: 'uint16_t', doc: 'XEN_NETIF_GSO_FEAT_*' },
              ],
            },
          },
          { name: 'mcast', type: { kind: 'struct', fields: [{ name: 'addr', type: 'uint8_t', count: 6 }] } },
          {
            name: 'hash',
            type: {
              kind: 'struct',
              fields: [
                { name: 'type', type: 'uint8_t', doc: 'XEN_NETIF_CTRL_HASH_TYPE_* bit number' },
                { name: 'algorithm', type: 'uint8_t', doc: 'XEN_NETIF_CTRL_HASH_ALGORITHM_*' },
                { name: 'value', type: 'uint8_t', count: 4, doc: 'the hash, little-endian' },
              ],
            },
          },
          { name: 'pad', type: 'uint16_t', count: 3 },
        ],
      },
      // netif.h: XEN_NETIF_EXTRA_TYPE_GSO → u.gso, MCAST_{ADD,DEL} → u.mcast, HASH → u.hash.
      select: { by: 'type', members: { 1: 'gso', 2: 'mcast', 3: 'mcast', 4: 'hash' }, fallback: 'pad' },
    },
  ],
  expect: everyAbi({ size: 8, offsets: { type: 0, flags: 1, u: 2 } }),
} as const satisfies StructDecl;

export const xen_netif_ctrl_request = {
  name: 'xen_netif_ctrl_request',
  kind: 'struct',
  header: 'xen/io/netif.h',
  doc: 'A control-ring request (hash configuration, gref mappings).',
  fields: [
    { name: 'id', type: 'uint16_t' },
    { name: 'type', type: 'uint16_t', doc: 'XEN_NETIF_CTRL_TYPE_*' },
    { name: 'data', type: 'uint32_t', count: 3 },
  ],
  expect: everyAbi({ size: 16, offsets: { id: 0, type: 2, data: 4 } }),
} as const satisfies StructDecl;

export const xen_netif_ctrl_response = {
  name: 'xen_netif_ctrl_response',
  kind: 'struct',
  header: 'xen/io/netif.h',
  doc: 'A control-ring response, matched by id.',
  fields: [
    { name: 'id', type: 'uint16_t' },
    { name: 'type', type: 'uint16_t' },
    { name: 'status', type: 'uint32_t', doc: 'XEN_NETIF_CTRL_STATUS_*' },
    { name: 'data', type: 'uint32_t' },
  ],
  expect: everyAbi({ size: 12, offsets: { id: 0, type: 2, status: 4, data: 8 } }),
} as const satisfies StructDecl;

export const xen_netif_gref = {
  name: 'xen_netif_gref',
  kind: 'struct',
  header: 'xen/io/netif.h',
  doc: 'An entry of the grant-reference table passed by XEN_NETIF_CTRL_TYPE_ADD/DEL_GREF_MAPPING.',
  fields: [
    { name: 'ref', type: 'grant_ref_t' },
    { name: 'flags', type: 'uint16_t', doc: 'XEN_NETIF_CTRLF_GREF_*' },
    { name: 'status', type: 'uint16_t', doc: 'XEN_NETIF_CTRL_STATUS_*' },
  ],
  expect: everyAbi({ size: 8, offsets: { ref: 0, flags: 4, status: 6 } }),
} as const satisfies StructDecl;

/** netif.h "Extra Info": extra-info slots chained by XEN_NETIF_EXTRA_FLAG_MORE. */
const extraChain = { struct: 'netif_extra_info', moreMember: 'flags', moreFlag: 'XEN_NETIF_EXTRA_FLAG_MORE' } as const;

/** DEFINE_RING_TYPES(netif_tx, ...): request slots after one with NETTXF_extra_info hold netif_extra_info. */
export const netifTxRing = {
  name: 'netif_tx',
  request: 'netif_tx_request',
  response: 'netif_tx_response',
  header: 'xen/io/netif.h',
  requestExtras: { flagsMember: 'flags', flag: 'NETTXF_extra_info', ...extraChain },
} as const satisfies RingTypeDecl;

/** DEFINE_RING_TYPES(netif_rx, ...): response slots after one with NETRXF_extra_info hold netif_extra_info. */
export const netifRxRing = {
  name: 'netif_rx',
  request: 'netif_rx_request',
  response: 'netif_rx_response',
  header: 'xen/io/netif.h',
  responseExtras: { flagsMember: 'flags', flag: 'NETRXF_extra_info', ...extraChain },
} as const satisfies RingTypeDecl;

/**
 * DEFINE_RING_TYPES(xen_netif_ctrl, ...): one request struct for every type; netif.h "Control messages" gives
 * each type's data[] words. A type netif.h does not define is answered XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED.
 */
export const netifCtrlRing = {
  name: 'xen_netif_ctrl',
  request: 'xen_netif_ctrl_request',
  response: 'xen_netif_ctrl_response',
  header: 'xen/io/netif.h',
  requestVariants: {
    by: 'type',
    unnamed: 'unsupported',
    variants: [
      { constant: 'XEN_NETIF_CTRL_TYPE_GET_HASH_FLAGS', op: 'get_hash_flags', words: { array: 'data', names: [] } },
      // data[0] = bitwise OR of XEN_NETIF_CTRL_HASH_TYPE_* values
      { constant: 'XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS', op: 'set_hash_flags', words: { array: 'data', names: ['flags'] } },
      // data[0] = grant reference of the page holding the key, data[1] = key size in octets
      { constant: 'XEN_NETIF_CTRL_TYPE_SET_HASH_KEY', op: 'set_hash_key', words: { array: 'data', names: ['gref', 'size'] } },
      { constant: 'XEN_NETIF_CTRL_TYPE_GET_HASH_MAPPING_SIZE', op: 'get_hash_mapping_size', words: { array: 'data', names: [] } },
      // data[0] = number of entries in the mapping table
      { constant: 'XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE', op: 'set_hash_mapping_size', words: { array: 'data', names: ['size'] } },
      // data[0] = grant reference of the (sub-)table, data[1] = its size in entries, data[2] = its offset in entries
      { constant: 'XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING', op: 'set_hash_mapping', words: { array: 'data', names: ['gref', 'size', 'offset'] } },
      // data[0] = a XEN_NETIF_CTRL_HASH_ALGORITHM_* value
      { constant: 'XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM', op: 'set_hash_algorithm', words: { array: 'data', names: ['algorithm'] } },
      // data[0] = queue index
      { constant: 'XEN_NETIF_CTRL_TYPE_GET_GREF_MAPPING_SIZE', op: 'get_gref_mapping_size', words: { array: 'data', names: ['queue'] } },
      // data[0] = queue index, data[1] = grant reference of the xen_netif_gref list, data[2] = entries in it
      { constant: 'XEN_NETIF_CTRL_TYPE_ADD_GREF_MAPPING', op: 'add_gref_mapping', words: { array: 'data', names: ['queue', 'gref', 'size'] } },
      { constant: 'XEN_NETIF_CTRL_TYPE_DEL_GREF_MAPPING', op: 'del_gref_mapping', words: { array: 'data', names: ['queue', 'gref', 'size'] } },
    ],
  },
} as const satisfies RingTypeDecl;
