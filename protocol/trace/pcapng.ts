/**
 * pcapng, the container of a ringwire trace (IETF draft-ietf-opsawg-pcapng, "PCAP Next Generation Dump File
 * Format"). Only what ringwire writes or must recognise is declared here.
 *
 * Every block is framed the same way, in the byte order its section's Section Header Block chose:
 *
 *   0               4                    8                                       L-4          L
 *   +---------------+--------------------+-------------------- ... --------------+------------+
 *   | block_type    | block_total_length | body (fixed part, then options)       | block_total_length
 *   +---------------+--------------------+-------------------- ... --------------+------------+
 *
 * L is a multiple of 4. Options are `| option_code u16 | option_length u16 | value, padded to 4 |`, ending at
 * opt_endofopt or at the block's end. Integer members below are in the section's byte order (the `uint*_t`
 * types); the Section Header Block's byte_order_magic tells which.
 */
import { everyAbi, type ConstantDecl, type StructDecl } from '../decl.js';

const HEADER = 'draft-ietf-opsawg-pcapng';

/** §4.1: Section Header Block — starts every section; sets the byte order of the blocks that follow. */
export const pcapng_shb: StructDecl = {
  name: 'pcapng_shb', kind: 'struct', header: HEADER, abiIndependent: true,
  doc: 'Section Header Block (type 0x0A0D0D0A), fixed part; options follow (shb_userappl).',
  fields: [
    { name: 'block_type', type: 'uint32_t', doc: '0x0A0D0D0A: a palindrome, so it reads the same in either byte order' },
    { name: 'block_total_length', type: 'uint32_t' },
    { name: 'byte_order_magic', type: 'uint32_t', doc: '0x1A2B3C4D in the writer\'s byte order' },
    { name: 'major_version', type: 'uint16_t', doc: '1' },
    { name: 'minor_version', type: 'uint16_t', doc: '0' },
    { name: 'section_length', type: 'int64_t', doc: '-1: not given (ringwire writes streaming and never seeks back)' },
  ],
  expect: everyAbi({ size: 24 }),
};

/** §4.2: Interface Description Block — one per ring or virtqueue; EPBs refer to it by its number. */
export const pcapng_idb: StructDecl = {
  name: 'pcapng_idb', kind: 'struct', header: HEADER, abiIndependent: true,
  doc: 'Interface Description Block (type 1), fixed part; options follow (if_name, if_tsresol).',
  fields: [
    { name: 'block_type', type: 'uint32_t' },
    { name: 'block_total_length', type: 'uint32_t' },
    { name: 'linktype', type: 'uint16_t', doc: 'LINKTYPE_USER0 (147) for ringwire records' },
    { name: 'reserved', type: 'uint16_t', doc: '0' },
    { name: 'snaplen', type: 'uint32_t', doc: '0: no limit (ringwire never cuts a record)' },
  ],
  expect: everyAbi({ size: 16 }),
};

/** §4.3: Enhanced Packet Block — one per ringwire record. Packet data follows, padded to 4, then options. */
export const pcapng_epb: StructDecl = {
  name: 'pcapng_epb', kind: 'struct', header: HEADER, abiIndependent: true,
  doc: 'Enhanced Packet Block (type 6), fixed part; the packet data is one ringwire record.',
  fields: [
    { name: 'block_type', type: 'uint32_t' },
    { name: 'block_total_length', type: 'uint32_t' },
    { name: 'interface_id', type: 'uint32_t', doc: 'the IDB this record belongs to, counted from 0 in the section' },
    { name: 'timestamp_high', type: 'uint32_t', doc: 'upper 32 bits of the timestamp, in units of the interface\'s if_tsresol' },
    { name: 'timestamp_low', type: 'uint32_t' },
    { name: 'captured_packet_length', type: 'uint32_t', doc: 'length of the record (without padding)' },
    { name: 'original_packet_length', type: 'uint32_t', doc: 'equal to captured_packet_length: ringwire never cuts a record' },
  ],
  expect: everyAbi({ size: 28 }),
};

/** §3.5: the head of one option. */
export const pcapng_option: StructDecl = {
  name: 'pcapng_option', kind: 'struct', header: HEADER, abiIndependent: true,
  doc: 'Option header; option_length bytes of value follow, padded to a multiple of 4.',
  fields: [
    { name: 'option_code', type: 'uint16_t' },
    { name: 'option_length', type: 'uint16_t', doc: 'value length without padding' },
  ],
  expect: everyAbi({ size: 4 }),
};

/** The trailing copy of block_total_length that closes every block. */
export const BLOCK_TRAILER_BYTES = 4;

/** Block types (§4, §11.1). Other types (SPB 3, NRB 4, ISB 5, DSB 10, ...) are skipped and counted. */
export const PCAPNG_BT_SHB = 0x0a0d0d0a;
export const PCAPNG_BT_IDB = 0x00000001;
export const PCAPNG_BT_EPB = 0x00000006;
/** §4.1: written as 0x1A2B3C4D in the writer's byte order; read back as 0x4D3C2B1A it means "swap". */
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;
export const PCAPNG_MAJOR_VERSION = 1;
export const PCAPNG_MINOR_VERSION = 0;

/** Option codes (§3.5, §4.1, §4.2, §4.3). An option code is only meaningful inside its block type. */
export const OPT_ENDOFOPT = 0;
export const OPT_COMMENT = 1;
export const SHB_USERAPPL = 4;
export const IF_NAME = 2;
export const IF_TSRESOL = 9;
export const EPB_FLAGS = 2;
export const EPB_HASH = 3;

/**
 * §4.3.1 epb_flags bits 0-1, the direction: 00 not available, 01 inbound, 10 outbound. Seen from the guest:
 * the frontend / driver sends (outbound), the backend / device answers (inbound); the recorder's own records
 * (party none) carry 00.
 */
export const EPB_FLAGS_DIRECTION_MASK = 0x3;
export const EPB_FLAGS_INBOUND = 0x1;
export const EPB_FLAGS_OUTBOUND = 0x2;

/** §4.3.2 epb_hash: first value octet is the algorithm; 2 is CRC32 (here IEEE 802.3, as zlib's crc32). */
export const EPB_HASH_ALGORITHM_CRC32 = 2;

/**
 * LINKTYPE_USER0 (147): the first of the sixteen link types (147..162) tcpdump.org reserves for private use.
 * ringwire uses USER0 for every ring and queue; the IDB's if_name says which. A registered link type can
 * replace it later (a major version change for readers that look at the link type).
 */
export const LINKTYPE_RINGWIRE = 147;

/**
 * if_tsresol (§4.2): bit 7 clear means 10^-value seconds. ringwire writes 9 (nanoseconds) unless told
 * otherwise; a trace recorded without a clock uses the sequence number as the timestamp.
 */
export const IF_TSRESOL_NANOSECONDS = 9;

/**
 * Wireshark's largest packet (WTAP_MAX_PACKET_SIZE_STANDARD, 256 KiB): a record's bytes never exceed it, so
 * a larger body is split into fragments (see record.ts).
 */
export const MAX_PACKET_BYTES = 262144;
/**
 * The largest block a ringwire reader accepts: a full-size EPB with room for its options, or an SHB / IDB /
 * unknown block with up to 64 KiB of options. Larger lengths are refused before anything is allocated.
 */
export const MAX_BLOCK_BYTES = MAX_PACKET_BYTES + 65536;

export const pcapngConstants: readonly ConstantDecl[] = [
  { name: 'PCAPNG_BT_SHB', value: PCAPNG_BT_SHB, header: HEADER },
  { name: 'PCAPNG_BT_IDB', value: PCAPNG_BT_IDB, header: HEADER },
  { name: 'PCAPNG_BT_EPB', value: PCAPNG_BT_EPB, header: HEADER },
  { name: 'PCAPNG_BYTE_ORDER_MAGIC', value: PCAPNG_BYTE_ORDER_MAGIC, header: HEADER },
  { name: 'IF_NAME', value: IF_NAME, header: HEADER, doc: 'IDB option: UTF-8 name of the ring or queue' },
  { name: 'IF_TSRESOL', value: IF_TSRESOL, header: HEADER, doc: 'IDB option: timestamp resolution' },
  { name: 'EPB_FLAGS', value: EPB_FLAGS, header: HEADER, doc: 'EPB option: direction in bits 0-1' },
  { name: 'EPB_HASH', value: EPB_HASH, header: HEADER, doc: 'EPB option: CRC-32 of the record' },
  { name: 'LINKTYPE_RINGWIRE', value: LINKTYPE_RINGWIRE, header: 'tcpdump.org LINKTYPE_USER0', doc: 'link type of every ringwire interface' },
  { name: 'MAX_PACKET_BYTES', value: MAX_PACKET_BYTES, header: 'Wireshark WTAP_MAX_PACKET_SIZE_STANDARD' },
];
