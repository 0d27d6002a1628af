/**
 * `ringwire dump xen --ring NAME [--abi A] [--order N] [--offset BYTES] FILE [--json] [--pushed] [--rules ID,...] [--severity S]`
 *
 * Decode a raw Xen shared-ring memory image: the header, what is outstanding, each live slot as a request
 * or a response (the report is src/xen/ring-image.ts), then the findings of the state rules judged on it
 * (src/check/dump-xen.ts); this module reads the input and prints. The image is read with a bound: at most the ring's size plus one
 * byte, so /dev/zero, an endless pipe or a huge file never hangs or fills memory. Without --offset the image
 * must be exactly the ring's size; with it, exactly the ring's bytes are read at that offset of a larger
 * file (a guest memory image). Exit 0 no error finding, 1 an error finding shown, 2 bad usage or input.
 */
import { UsageError, jsonText, type VerbMain } from './io.js';
import { flag, parseInteger, parseVerbArgs, stringOption } from './args.js';
import { parseAbi } from '../layout/abi-name.js';
import { ringType, xenRingNames, type XenRingName } from '../xen/ring-type.js';
import type { RingImageReport, RingImageSlot } from '../xen/ring-image.js';
import { checkRingImage } from '../check/dump-xen.js';
import type { DumpFinding } from '../check/finding.js';
import { dumpCheckOptions, findingOptions, findingsTail } from './dump-findings.js';
import type { RuleSeverity } from '../../protocol/catalogue/index.js';
import { MAX_RING_PAGE_ORDER } from '../../protocol/index.js';

export const dumpXen: VerbMain = (args, io) => {
  const p = parseVerbArgs('dump xen', args, { ring: { type: 'string' }, abi: { type: 'string' }, order: { type: 'string' }, offset: { type: 'string' }, json: { type: 'boolean' }, pushed: { type: 'boolean' }, ...findingOptions }, 1);
  const ring = stringOption(p, 'ring');
  if (ring === undefined || !xenRingNames.includes(ring as XenRingName)) {
    throw new UsageError(`dump xen: --ring must be one of ${xenRingNames.join(', ')}${ring === undefined ? '' : ` (got "${ring}")`}`);
  }
  const abi = parseAbi(stringOption(p, 'abi') ?? 'x86_64');
  const orderText = stringOption(p, 'order');
  const order = orderText === undefined ? 0 : parseInteger('--order', orderText, { max: MAX_RING_PAGE_ORDER });
  const offsetText = stringOption(p, 'offset');
  const offset = offsetText === undefined ? undefined : parseInteger('--offset', offsetText);
  const positionals = p.positionals;
  if (positionals.length !== 1) throw new UsageError('dump xen: give one image FILE (or - for standard input)');
  const file = positionals[0] as string;
  const type = ringType(ring as XenRingName, { abi });
  const ringBytes = type.ringBytes(order);
  // One byte more than the ring tells "exactly the ring" from "larger" without reading any further.
  const image = io.readFile(file, offset === undefined ? { maxBytes: ringBytes + 1 } : { offset, maxBytes: ringBytes });
  if (offset === undefined && image.byteLength !== ringBytes) {
    const size = image.byteLength > ringBytes ? `more than ${ringBytes} bytes` : `${image.byteLength} bytes`;
    throw new UsageError(`${file}: the image has ${size}; a ${type.name} ring of order ${order} is ${ringBytes} bytes (use --offset BYTES to pick it out of a larger file)`, 'CLI_INPUT_SIZE');
  }
  if (offset !== undefined && image.byteLength < ringBytes) {
    throw new UsageError(`${file}: ${image.byteLength} bytes are available at offset ${offset}; a ${type.name} ring of order ${order} is ${ringBytes} bytes`, 'CLI_INPUT_SIZE');
  }
  const options = { ...dumpCheckOptions('dump xen', p), pushed: flag(p, 'pushed') };
  const { report, findings, counts } = checkRingImage(image, type, order, options);
  const where = offset === undefined ? {} : { offset };
  const consistent = counts.error === 0;
  io.out(flag(p, 'json')
    ? jsonText({ file, ...where, ...report, violations: report.violations.map((x) => x.toJSON()), findings, consistent })
    : textReport(file, offset, report, findings, counts));
  return consistent ? 0 : 1;
};

function textReport(file: string, offset: number | undefined, r: RingImageReport, findings: readonly DumpFinding[], counts: Readonly<Record<RuleSeverity, number>>): string {
  const h = r.header;
  const at = offset === undefined ? '' : ` at offset ${offset}`;
  const lines = [
    `${file}${at}: ${r.ring} ring (${r.abi}), order ${r.order}: ${r.ringBytes} bytes, ${r.nrEnts} entries of ${r.entrySize} bytes`,
    `  req_prod  ${h.req_prod}   req_event ${h.req_event}`,
    `  rsp_prod  ${h.rsp_prod}   rsp_event ${h.rsp_event}`,
    `  pvt       ${h.pvt.join(' ')}`,
    `  ${r.requestsOutstanding} request(s) outstanding [rsp_prod, req_prod); ${r.responseSlots} slot(s) in the response window [req_prod - ${r.nrEnts}, rsp_prod), ${r.zeroResponseSlots} of them all zero (not listed)`,
  ];
  for (const s of r.requests) lines.push(`  request  ${slotLine(s)}`);
  for (const s of r.responses) lines.push(`  response ${slotLine(s)}`);
  lines.push(...findingsTail(findings, counts));
  return lines.join('\n');
}

/** One slot: where it is, the struct it holds (or its raw bytes) and the record, segments cut to those in use. */
function slotLine(s: RingImageSlot): string {
  const where = `${s.index} (slot ${s.slot}, offset ${s.offset})`;
  if (s.struct === null) return `${where} raw: ${s.raw ?? ''}`;
  let record = s.record;
  if (s.segments !== undefined && typeof record === 'object' && record !== null) {
    const o = record as Record<string, unknown>;
    const list = o[s.segments.array];
    if (Array.isArray(list)) record = { ...o, [s.segments.array]: list.slice(0, s.segments.count) };
  }
  return `${where} ${s.struct}${s.variant === undefined ? '' : ` (${s.variant})`}: ${JSON.stringify(record)}`;
}
