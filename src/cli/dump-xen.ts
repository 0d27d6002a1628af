/**
 * `ringwire dump xen --ring blkif|netif_tx|netif_rx|xen_netif_ctrl [--abi A] [--order N] FILE [--json]`
 *
 * Decode a raw Xen shared-ring memory image: the header, what is outstanding, each live slot as a request
 * or a response, and any overflow the indices show. Exit 0 consistent, 1 a violation shown, 2 bad usage
 * or an unreadable / short image.
 */
import { UsageError, jsonText, type VerbMain } from './io.js';
import { flag, parseInteger, parseVerbArgs, stringOption } from './args.js';
import { parseAbi } from '../layout/abi-name.js';
import { ringType, xenRingNames, type XenRingName } from '../xen/ring-type.js';
import { inspectRingImage, type RingImageReport } from '../xen/ring-image.js';
import { RingError } from '../xen/ring-error.js';
import { MAX_RING_PAGE_ORDER } from '../../protocol/index.js';

export const dumpXen: VerbMain = (args, io) => {
  const p = parseVerbArgs('dump xen', args, { ring: { type: 'string' }, abi: { type: 'string' }, order: { type: 'string' }, json: { type: 'boolean' } }, 1);
  const ring = stringOption(p, 'ring');
  if (ring === undefined || !xenRingNames.includes(ring as XenRingName)) {
    throw new UsageError(`dump xen: --ring must be one of ${xenRingNames.join(', ')}${ring === undefined ? '' : ` (got "${ring}")`}`);
  }
  const abi = parseAbi(stringOption(p, 'abi') ?? 'x86_64');
  const orderText = stringOption(p, 'order');
  const order = orderText === undefined ? 0 : parseInteger('--order', orderText, { max: MAX_RING_PAGE_ORDER });
  const positionals = p.positionals;
  const v = { json: flag(p, 'json') };
  if (positionals.length !== 1) throw new UsageError('dump xen: give one image FILE (or - for standard input)');
  const file = positionals[0] as string;
  const image = io.readFile(file);
  const type = ringType(ring as XenRingName, { abi });
  let report: RingImageReport;
  try {
    report = inspectRingImage(image, type, order);
  } catch (e) {
    if (e instanceof RingError) throw new UsageError(`${file}: ${e.message}`, 'CLI_INPUT_SIZE');
    /* c8 ignore next */
    throw e;
  }
  io.out(v.json ? jsonText({ file, ...report, violations: report.violations.map((x) => x.toJSON()) }) : textReport(file, report));
  return report.consistent ? 0 : 1;
};

function textReport(file: string, r: RingImageReport): string {
  const h = r.header;
  const lines = [
    `${file}: ${r.ring} ring (${r.abi}), order ${r.order}: ${r.ringBytes} bytes, ${r.nrEnts} entries of ${r.entrySize} bytes`,
    `  req_prod  ${h.req_prod}   req_event ${h.req_event}`,
    `  rsp_prod  ${h.rsp_prod}   rsp_event ${h.rsp_event}`,
    `  pvt       ${h.pvt.join(' ')}`,
    `  ${r.requestsOutstanding} request(s) outstanding [rsp_prod, req_prod); ${r.responseSlots} slot(s) in the response window [req_prod - ${r.nrEnts}, rsp_prod), ${r.zeroResponseSlots} of them all zero (not listed)`,
  ];
  for (const s of r.requests) lines.push(`  request  ${s.index} (slot ${s.slot}, offset ${s.offset}) ${s.struct}: ${JSON.stringify(s.record)}`);
  for (const s of r.responses) lines.push(`  response ${s.index} (slot ${s.slot}, offset ${s.offset}) ${s.struct}: ${JSON.stringify(s.record)}`);
  lines.push(r.consistent ? '  consistent' : `  ${r.violations.length} violation(s):`);
  for (const e of r.violations) lines.push(`    ${e.code}: ${e.message}`);
  return lines.join('\n');
}
