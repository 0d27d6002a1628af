// assemble.mjs - turns the oracle builds into the golden JSON files.
//
//   node assemble.mjs <build-dir> <xen-io-include-dir> <out-dir>
//
// <build-dir>/<abi>/ holds layout.o and instances.o (compiled for that ABI),
// meta.json, and for the runnable ABIs runtime.json (`oracle json`).
// For every ABI the document is rebuilt from the object files alone (the
// .oracle_layout records and the .oracle_inst_<struct> bytes).  For x86_64
// and x86_32 that rebuilt document must equal the runtime one exactly, which
// validates the object-file route used for arm, where it is the only route.
// Then the cross-ABI and header checks below run, and the pretty-printed
// (2-space, key order as produced, trailing newline) files are written.
// No dependencies beyond Node's standard library.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const ABIS = {
  x86_64: { elfClass: 2, machine: 62 /* EM_X86_64 */, runnable: true },
  x86_32: { elfClass: 1, machine: 3 /* EM_386 */, runnable: true },
  arm: { elfClass: 1, machine: 40 /* EM_ARM */, runnable: false },
};
// Members that exist on one ABI only: [abi, struct, member].
const ABI_ONLY = [['x86_32', 'blkif_request_indirect', 'pad']];
// Object-like macros of blkif.h/netif.h that are not integer constants.
const NOT_CONSTANTS = new Set([
  '__XEN_PUBLIC_IO_BLKIF_H__', '__XEN_PUBLIC_IO_NETIF_H__',
  'blkif_vdev_t', 'blkif_sector_t',
]);
const K = { END: 0, ABI: 1, STRUCT: 2, FIELD: 3, CONST: 4, RING: 5, SRING: 6 };
const RING_PAGES = [1, 2, 4, 8, 16];

function fail(msg) {
  console.error(`assemble: ${msg}`);
  process.exit(1);
}

// Minimal little-endian ELF32/ELF64 reader: section name -> bytes.
function readElf(file, abi) {
  const b = readFileSync(file);
  if (b.readUInt32BE(0) !== 0x7f454c46) fail(`${file}: not ELF`);
  if (b[5] !== 1) fail(`${file}: not little-endian`);
  const is64 = b[4] === 2;
  const machine = b.readUInt16LE(18);
  if (b[4] !== ABIS[abi].elfClass || machine !== ABIS[abi].machine)
    fail(`${file}: ELF class ${b[4]} machine ${machine} is not ${abi}`);
  const shoff = is64 ? Number(b.readBigUInt64LE(0x28)) : b.readUInt32LE(0x20);
  const [entsize, num, strndx] = is64 ? [0x3a, 0x3c, 0x3e] : [0x2e, 0x30, 0x32];
  const header = (i) => {
    const o = shoff + i * b.readUInt16LE(entsize);
    return is64
      ? { name: b.readUInt32LE(o), offset: Number(b.readBigUInt64LE(o + 0x18)), size: Number(b.readBigUInt64LE(o + 0x20)) }
      : { name: b.readUInt32LE(o), offset: b.readUInt32LE(o + 0x10), size: b.readUInt32LE(o + 0x14) };
  };
  const strtab = header(b.readUInt16LE(strndx));
  const sections = new Map();
  for (let i = 1; i < b.readUInt16LE(num); i++) {
    const h = header(i);
    const start = strtab.offset + h.name;
    const name = b.toString('latin1', start, b.indexOf(0, start));
    if (/^\.rela?\.oracle/.test(name)) fail(`${file}: ${name}: oracle data must not need relocation`);
    sections.set(name, b.subarray(h.offset, h.offset + h.size));
  }
  return sections;
}

function section(sections, name, file) {
  const s = sections.get(name);
  if (!s) fail(`${file}: no section ${name}`);
  return s;
}

function readRecords(bytes) {
  const recs = [];
  for (let o = 0; o + 96 <= bytes.length; o += 96) {
    const kind = bytes.readUInt32LE(o);
    const v = Array.from({ length: 7 }, (_, i) => bytes.readUInt32LE(o + 4 + 4 * i));
    const name = bytes.toString('latin1', o + 32, bytes.indexOf(0, o + 32));
    recs.push({ kind, v, name });
    if (kind === K.END) return recs;
  }
  fail('layout records: no END record');
}

// The golden document of `abi`, from its object files; instance values come
// from `valuesDoc` (the ABI's own runtime output, or x86_64's for arm).
function docFromObjects(abi, dir, valuesDoc) {
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
  const layoutFile = join(dir, 'layout.o');
  const instFile = join(dir, 'instances.o');
  const recs = readRecords(section(readElf(layoutFile, abi), '.oracle_layout', layoutFile));
  const inst = readElf(instFile, abi);
  let i = 0;
  const take = (kind) => (recs[i].kind === kind ? recs[i++] : null);
  const fields = (kind) => {
    const out = [];
    for (let r; (r = take(kind)); ) out.push({ path: r.name, offset: r.v[0], size: r.v[1] });
    return out;
  };

  const abiRec = take(K.ABI);
  if (!abiRec || abiRec.name !== `${abi}-abi`)
    fail(`${abi}: XEN_IO_PROTO_ABI_NATIVE is ${abiRec && abiRec.name}`);
  const doc = { abi, headers: meta.headers, compiler: meta.compiler, seed: valuesDoc.seed };
  doc.structs = {};
  for (let r; (r = take(K.STRUCT)); )
    doc.structs[r.name] = { size: r.v[0], align: r.v[1], fields: fields(K.FIELD) };
  doc.constants = {};
  for (let r; (r = take(K.CONST)); ) {
    const value = BigInt.asIntN(64, (BigInt(r.v[1]) << 32n) | BigInt(r.v[0]));
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER))
      fail(`${r.name} does not fit a JSON number`);
    doc.constants[r.name] = Number(value);
  }
  doc.rings = {};
  for (let r; (r = take(K.RING)); ) {
    const slots = {};
    RING_PAGES.forEach((p, j) => (slots[p] = r.v[2 + j]));
    doc.rings[r.name] = { header_size: r.v[0], entry_size: r.v[1], slots };
  }
  doc.sring = { size_of_header_fields: fields(K.SRING) };
  if (recs[i].kind !== K.END) fail(`${abi}: layout records out of order at ${recs[i].name}`);

  doc.instances = {};
  for (const [name, list] of Object.entries(valuesDoc.instances)) {
    const size = doc.structs[name].size;
    const bytes = section(inst, `.oracle_inst_${name}`, instFile);
    if (bytes.length !== size * list.length)
      fail(`${abi}: ${name}: ${bytes.length} bytes for ${list.length} instances of ${size}`);
    doc.instances[name] = list.map((x, j) => ({
      values: x.values,
      hex: bytes.subarray(j * size, (j + 1) * size).toString('hex'),
    }));
  }
  return doc;
}

function firstDifference(a, b, where = '') {
  if (JSON.stringify(a) === JSON.stringify(b)) return null;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null)
    return `${where}: ${JSON.stringify(a)} != ${JSON.stringify(b)}`;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  for (const k of keys) {
    const d = firstDifference(a[k], b[k], `${where}.${k}`);
    if (d) return d;
  }
  return `${where}: key order differs`;
}

function withoutAbiOnly(abi, struct, values) {
  const drop = ABI_ONLY.filter(([a, s]) => a === abi && s === struct).map(([, , m]) => m);
  return Object.fromEntries(Object.entries(values).filter(([k]) => !drop.includes(k)));
}

function headerConstants(xenIo) {
  const names = new Set();
  for (const h of ['blkif.h', 'netif.h']) {
    const text = readFileSync(join(xenIo, h), 'utf8');
    for (const m of text.matchAll(/^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)(\(?)/gm))
      if (!m[2] && !NOT_CONSTANTS.has(m[1])) names.add(m[1]); // skip function-like
  }
  // xenbus.h has no integer macros: its constants are the enumerators of enum xenbus_state.
  const xenbus = readFileSync(join(xenIo, 'xenbus.h'), 'utf8').match(/enum\s+xenbus_state\s*\{([^}]*)\}/);
  if (!xenbus) fail('xenbus.h: no enum xenbus_state');
  for (const m of xenbus[1].replace(/\/\*[\s\S]*?\*\//g, '').matchAll(/([A-Za-z_]\w*)\s*=/g)) names.add(m[1]);
  return names;
}

// In the all-ones instance (index 1) a byte is 0xff exactly when some leaf
// member covers it, and the all-zero instance (index 0) is all zero.
function checkCoverage(doc) {
  for (const [name, s] of Object.entries(doc.structs)) {
    const paths = s.fields.map((f) => f.path);
    const leaves = s.fields.filter(
      (f) => !paths.some((p) => p.startsWith(`${f.path}.`) || p.startsWith(`${f.path}[`)));
    const covered = new Array(s.size).fill(false);
    for (const f of leaves) for (let o = f.offset; o < f.offset + f.size; o++) covered[o] = true;
    const zero = Buffer.from(doc.instances[name][0].hex, 'hex');
    const ones = Buffer.from(doc.instances[name][1].hex, 'hex');
    if (zero.some((x) => x !== 0)) fail(`${doc.abi}: ${name}: instance 0 is not all zero`);
    covered.forEach((c, o) => {
      if (c !== (ones[o] === 0xff))
        fail(`${doc.abi}: ${name}: byte ${o} is ${ones[o]} in the all-ones instance but ${c ? '' : 'not '}covered by a member`);
    });
  }
}

const [buildDir, xenIo, outDir] = process.argv.slice(2);
if (!outDir) fail('usage: node assemble.mjs <build-dir> <xen-io-include-dir> <out-dir>');

const runtime = {};
for (const abi of Object.keys(ABIS).filter((a) => ABIS[a].runnable))
  runtime[abi] = JSON.parse(readFileSync(join(buildDir, abi, 'runtime.json'), 'utf8'));

const docs = {};
for (const abi of Object.keys(ABIS)) {
  docs[abi] = docFromObjects(abi, join(buildDir, abi), runtime[abi] ?? runtime.x86_64);
  if (runtime[abi]) {
    const d = firstDifference(runtime[abi], docs[abi], abi);
    if (d) fail(`object-file route disagrees with the running program: ${d}`);
  }
}

const expected = headerConstants(xenIo);
const ref = docs.x86_64;
for (const [abi, doc] of Object.entries(docs)) {
  const have = new Set(Object.keys(doc.constants));
  const missing = [...expected].filter((n) => !have.has(n));
  const unknown = [...have].filter((n) => !expected.has(n));
  if (missing.length || unknown.length)
    fail(`${abi}: constants missing ${missing.join(' ') || '-'}; not in headers ${unknown.join(' ') || '-'}`);
  const c = firstDifference(ref.constants, doc.constants, `${abi}.constants`);
  if (c) fail(`constants differ between ABIs: ${c}`);
  checkCoverage(doc);
  for (const [name, list] of Object.entries(doc.instances)) {
    if (list.length < 64) fail(`${abi}: ${name}: only ${list.length} instances`);
    if (list.length !== ref.instances[name].length) fail(`${abi}: ${name}: instance count differs from x86_64`);
    list.forEach((x, j) => {
      const d = firstDifference(ref.instances[name][j].values, withoutAbiOnly(abi, name, x.values),
                                `${abi}.instances.${name}[${j}].values`);
      if (d) fail(`values differ from x86_64: ${d}`);
      if (x.hex.length !== 2 * doc.structs[name].size) fail(`${abi}: ${name}[${j}]: wrong hex length`);
    });
  }
}

mkdirSync(outDir, { recursive: true });
for (const [abi, doc] of Object.entries(docs))
  writeFileSync(join(outDir, `xen-${abi}.json`), `${JSON.stringify(doc, null, 2)}\n`);
