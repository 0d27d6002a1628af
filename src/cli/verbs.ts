/**
 * Every verb of the command line, with its usage text (`ringwire VERB --help`). Verb modules are imported only
 * when their verb runs.
 */
import type { Verb } from './io.js';
import { xenRingTypes, MAX_RING_PAGE_ORDER, ruleFamilies } from '../../protocol/index.js';

export const verbs: Readonly<Record<string, Verb>> = {
  layout: {
    summary: 'pahole-style table (or JSON) of one or all structs',
    usage: `usage: ringwire layout [STRUCT] [--abi x86_64|x86_32|arm] [--legacy-be] [--json]
  Print the derived C layout of STRUCT (or of every struct, on every ABI or the one given): offset, size and
  C type of each member, padding holes, sizeof and _Alignof. --json gives the same as JSON.`,
    run: async (args, io) => (await import('./codec-verbs.js')).layoutVerb(args, io),
  },
  encode: {
    summary: 'a struct as lowercase hex, from JSON',
    usage: `usage: ringwire encode STRUCT [--abi A] [--legacy-be] JSON
  Encode a JSON object keyed by the C member names (64-bit members as numbers or decimal/0x strings) into
  exactly sizeof(STRUCT) bytes, printed as lowercase hex. Padding is zero.`,
    run: async (args, io) => (await import('./codec-verbs.js')).encodeVerb(args, io),
  },
  decode: {
    summary: 'annotated dump (or JSON) of a struct\'s bytes',
    usage: `usage: ringwire decode STRUCT [--abi A] [--legacy-be] HEX [--json]
  Decode exactly sizeof(STRUCT) bytes given as hex: an annotated dump (offset, size, type, path, value,
  bytes; non-zero padding flagged), or with --json an object keyed by the C member names.`,
    run: async (args, io) => (await import('./codec-verbs.js')).decodeVerb(args, io),
  },
  dump: {
    summary: 'decode a ring memory image',
    usage: 'usage: ringwire dump xen|virtio-split|virtio-packed ... (ringwire dump KIND --help)',
    run: () => 2,
    kinds: {
      xen: {
        summary: 'decode a Xen shared-ring image',
        usage: `usage: ringwire dump xen --ring ${xenRingTypes.map((t) => t.name).join('|')} [--abi x86_64|x86_32|arm] [--order 0..${MAX_RING_PAGE_ORDER}] [--offset BYTES] FILE [--json]
                     [--pushed] [--rules ID,...] [--severity error|warning|info]
  Decode a raw Xen shared-ring memory image (FILE, or - for standard input): header indices, outstanding
  requests, the response window, each live slot decoded as the struct it holds; then the findings of the
  rules judged on ring dumps (producer indices; blkif requests not yet answered, except slots that may hold
  a response the backend wrote and has not pushed: --pushed says it pushes each one as it writes it, as Linux
  blkback does, and then every request slot is judged). FILE must be exactly the ring's size (4096 << order bytes); --offset BYTES reads the ring at that
  offset of a larger file, such as a guest memory image. Nothing past the ring is read. --rules and --severity
  filter the findings as for ringwire check. Exit 0 no error finding, 1 an error finding, 2 bad usage or input.`,
        run: async (args, io) => (await import('./dump-xen.js')).dumpXen(args, io),
      },
      'virtio-split': {
        summary: 'decode a split virtqueue snapshot',
        usage: `usage: ringwire dump virtio-split --size N (--desc F --avail F --used F | --ram F --desc-gpa A --avail-gpa A --used-gpa A)
                                  [--ram FILE | --ram-size BYTES] [--mem GPA:FILE ...] [--event-idx] [--legacy-be] [--json]
                                  [--rules ID,...] [--severity error|warning|info]
  Decode a split virtqueue and walk every chain its avail ring names. The three areas come from image files
  of exactly their size, or from a guest RAM image (--ram, read at offsets) at their guest-physical addresses.
  Guest memory is what you declare: --ram FILE or --ram-size BYTES is all of guest RAM from address 0, so a
  buffer outside it and outside every --mem region is a violation; without them, buffer addresses outside the
  --mem regions are not checked. An indirect table outside the memory given is reported as not checked for its
  chain only. Findings: index jumps, chain walker codes on live chains, used ids outside the queue (--rules and
  --severity filter them as for ringwire check). Exit 0 no error finding, 1 an error finding, 2 bad usage or input.`,
        run: async (args, io) => (await import('./dump-virtio.js')).dumpVirtioSplit(args, io),
      },
      'virtio-packed': {
        summary: 'decode a packed virtqueue snapshot',
        usage: `usage: ringwire dump virtio-packed --size N (--desc F | --ram F --desc-gpa A) [--driver-event F | --driver-event-gpa A]
                                   [--device-event F | --device-event-gpa A] [--ram FILE | --ram-size BYTES] [--mem GPA:FILE ...] [--json]
                                   [--device-next POS[:WRAP]] [--rules ID,...] [--severity error|warning|info]
  Decode a packed virtqueue from its descriptor ring (and event suppression structures), walking the chains the
  device would take next: from --device-next (its position and wrap counter, e.g. QEMU's last_avail_idx;
  without WRAP, the pass the descriptor at POS is available in), else the device event structure's off_wrap in
  VRING_PACKED_EVENT_FLAG_DESC mode; else from what the descriptors show when they show one start only, else
  position 0 in pass 1, saying why (chain errors are then shown, not judged). Areas come from image files of exactly their size or from --ram at their
  guest-physical addresses; guest memory is declared as for dump virtio-split. Findings: event offsets, chain
  walker codes and duplicate ids on the available chains, used ids outside the queue (--rules, --severity as
  for ringwire check). Exit 0 no error finding, 1 an error finding, 2 bad usage or input.`,
        run: async (args, io) => (await import('./dump-virtio.js')).dumpVirtioPacked(args, io),
      },
    },
  },
  trace: {
    summary: 'inspect or decode a ringwire trace (pcapng)',
    usage: 'usage: ringwire trace info|decode|replay FILE ... (ringwire trace KIND --help)',
    run: () => 2,
    kinds: {
      info: {
        summary: 'what a trace holds, and whether it is complete',
        usage: `usage: ringwire trace info FILE [--json]
  Read a ringwire trace (FILE, or - for standard input) in one streaming pass and print its interfaces (id,
  if_name, link type, if_tsresol, records), its records by type, packets and split-record fragments, bytes,
  the time span of its timestamps, lost records, and the blocks, records and options it skipped as unknown.
  Exit 0 for a complete, valid trace; 2 for input that is not pcapng, is corrupt, or was cut (one line:
  the error code, the byte offset and the packet number).`,
        run: async (args, io) => (await import('./trace-info.js')).traceInfoVerb(args, io),
      },
      decode: {
        summary: 'a trace as a timeline, one line (or JSON object) per event',
        usage: `usage: ringwire trace decode FILE [--json] [--records] [--iface N] [--from SEQ] [--to SEQ]
  Print a ringwire trace (FILE, or - for standard input) as a timeline, one line per event:
  \`seq iface party kind text\`. The trace is replayed on fresh memory and each Xen ring or virtqueue
  record is said in the protocol's words (requests published, chains made available, buffers used,
  notifications), checkpoints verified; records with no protocol meaning of their own show their type, body
  length and first bytes. --records shows every record that way, without replaying. --iface keeps one
  interface; --from and --to keep records whose seq is in [SEQ, SEQ]. --json prints one JSON object per
  event per line (JSON Lines). Output streams in constant memory.
  Exit 0 when the whole trace was read and replayed; 1 when a record's body breaks the format or a
  checkpoint is not met (an \`error\` event says which); 2 for input that is not pcapng, is corrupt or was
  cut, after every whole record before the fault.`,
        run: async (args, io) => (await import('./trace-decode.js')).traceDecodeVerb(args, io),
      },
      replay: {
        summary: 'replay a trace against your implementation of one side',
        usage: `usage: ringwire trace replay FILE --side front|back (--impl MODULE | --impl-cmd "COMMAND") [--iface N] [--timeout-ms MS] [--json]
  Play the recorded other side of interface N (default 0) on fresh memory and let MODULE act as --side
  (front: Xen frontend or virtio driver; back: Xen backend or virtio device). MODULE's default export is
  (ctx) => ({ run() }): ctx has the setup, one RingPort per region, the side, and the recorded memory (read
  only). --impl-cmd runs COMMAND (through the shell) instead, speaking JSON lines on its stdin / stdout with
  the memory in a shared file (protocol/trace/impl-protocol.md); each answer must come within MS ms (default
  10000). After every run of the side in the recording, the memory and notifications produced are compared
  with the trace; the first divergence is printed with its record, region, offset and field path. A hostile
  trace (ringwire hostile) is judged by what it expects: "refused as expected: CODE" when the implementation
  refused with the rule's code, "observed as expected" when ringwire's monitor reported the rule and the
  implementation kept going or refused cleanly; otherwise what it did instead.
  Exit 0 when the implementation reproduced every run or met the hostile trace's expectation; 1 at a
  divergence, a failed expectation, an implementation that threw, or (CLI_IMPL_PROTOCOL, CLI_IMPL_TIMEOUT)
  one that broke the line protocol, exited or hung; 2 for bad usage, a module that cannot be loaded, a
  command that cannot be run (CLI_IMPL_SPAWN), or a trace that is not pcapng, is corrupt or was cut.`,
        run: async (args, io) => (await import('./trace-replay.js')).traceReplay(args, io),
      },
    },
  },
  capture: {
    summary: 'capture the virtqueues of a running VM as a trace',
    usage: 'usage: ringwire capture qemu ... (ringwire capture qemu --help)',
    run: () => 2,
    kinds: {
      qemu: {
        summary: 'capture a QEMU guest\'s virtqueues over QMP and its shared RAM file',
        usage: `usage: ringwire capture qemu --qmp SOCKET --ram FILE [--out TRACE] [--device ID ...] [--no-stop] [--json]
  Ask a running QEMU (7.2 or later) over its QMP unix socket for its virtio devices, their negotiated features
  and each queue's size, guest-physical addresses and indices (x-query-virtio, x-query-virtio-status,
  x-query-virtio-queue-status); read each queue's areas and every indirect table its descriptors point to from
  the guest RAM file (-object memory-backend-file,...,mem-path=FILE,share=on -machine memory-backend=...), and
  write a trace (to TRACE, or standard output): one interface per queue, a setup record, an annotation with
  QEMU's indices and snapshot records of each area. The VM is stopped for a consistent picture and resumed
  after (--no-stop reads it running). --device keeps the devices given (QOM id, e.g. blk0, or path).
  Guest RAM must lie below the PCI hole (file offset = guest-physical address). Exit 0; 2 when the socket is
  unreachable, a QMP command is missing or refused, or the RAM file does not match the guest.`,
        run: async (args, io) => (await import('./capture-qemu.js')).captureQemu(args, io),
      },
    },
  },
  hostile: {
    summary: 'write a trace whose other side breaks one rule, for replay against your implementation',
    usage: `usage: ringwire hostile --rule ID [--transport xen|virtio] --out FILE|- [--json]
       ringwire hostile --list [--transport xen|virtio] [--json]
  Write the hostile trace for rule ID (FILE, or - for standard output): a real run of ringwire's rings or
  queues in which one side breaks that rule, ending with an annotation naming the side under test and what
  it must do: refuse (the rule is visible in shared memory: refuse with exactly that code) or observe (it is
  not: keep working; the replay's monitor reports it). Replay it with ringwire trace replay FILE --side SIDE
  --impl MODULE (or --impl-cmd "COMMAND"). --list shows every rule with a scenario: transport, the side it
  tests, refuse or observe, and how a careful implementation reacts. --json prints JSON instead.
  Exit 0; 2 for an unknown rule (CLI_UNKNOWN_CODE, naming the closest ids), a rule with no scenario
  (CLI_NO_SCENARIO), an unwritable FILE (CLI_WRITE) or bad usage.`,
    run: async (args, io) => (await import('./hostile.js')).hostileVerb(args, io),
  },
  check: {
    summary: 'check a trace against the protocol rules',
    usage: `usage: ringwire check FILE [--json] [--rules ID,...] [--severity error|warning|info]
  Check a ringwire trace (FILE, or - for standard input) against the catalogue's rules, in one streaming pass
  in constant memory: Xen ring indices, blkif records and ids, notifications owed under the event indices,
  stuck rings and notification storms; virtio chains, used ids and lengths, kicks and interrupts owed. Each
  finding names the rule, its severity, who broke it (front/back, driver/device), where (packet number as
  tshark counts frames, seq, byte offset, interface), expected and actual values and the rule's citation
  (ringwire explain ID says more). --json prints one JSON object per finding per line. --rules keeps the ids
  given (comma-separated, or repeated); --severity keeps findings of that severity or worse.
  Exit 0 when no error-severity finding was reported, 1 when one was, 2 for bad usage or a file that is not
  pcapng, is corrupt or was cut (after every finding before the fault).`,
    run: async (args, io) => (await import('./check.js')).checkVerb(args, io),
  },
  rules: {
    summary: 'every error code and protocol rule, with its citation',
    usage: `usage: ringwire rules [--family F] [--json]
  Print the catalogue: every error code ringwire throws and every protocol rule, family by family, with its
  severity, the party it binds (front/back, driver/device, either, caller, file), its source (Xen header
  macro, Linux driver function, virtio 1.2 section, or ringwire policy) and its statement. --family keeps one
  family (${ruleFamilies.join(', ')}); --json prints the entries as a JSON array.`,
    run: async (args, io) => (await import('./rules.js')).rulesVerb(args, io),
  },
  explain: {
    summary: 'one error code or rule, with its citation',
    usage: `usage: ringwire explain CODE [--json]
  Print the catalogue entry of CODE (as errors and reports show it, e.g. VIRTQ_DESC_LOOP; case and - for _ do
  not matter): family, kind, the party it binds, severity, the rule, its source and, for virtio, the spec's
  MUST / SHOULD sentence. Exit 0; 2 with CLI_UNKNOWN_CODE and the closest ids when the catalogue has no CODE.`,
    run: async (args, io) => (await import('./explain.js')).explainVerb(args, io),
  },
};
