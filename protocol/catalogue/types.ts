/**
 * The shape of one catalogue entry: every error code ringwire throws and every protocol rule it checks, with
 * the party it binds and where the rule comes from. The entries live in one file per family beside this one;
 * index.ts joins them.
 */

/** The area a code belongs to (one catalogue file each). */
export type RuleFamily = 'xen-ring' | 'xenbus' | 'virtq' | 'guest-memory' | 'codec' | 'layout' | 'port' | 'trace' | 'cli';

/**
 * `protocol`: a peer broke a rule of the ring or queue protocol. `input`: bytes, values or a file given to
 * ringwire do not fit what they should hold. `usage`: an API or the command line was asked for something it
 * cannot do.
 */
export type RuleKind = 'protocol' | 'input' | 'usage';

/**
 * Whose duty the rule is: a Xen frontend or backend, a virtio driver or device, either end, whoever calls
 * ringwire, or the writer of a file ringwire reads.
 */
export type RuleParty = 'front' | 'back' | 'driver' | 'device' | 'either' | 'caller' | 'file';

export type RuleSeverity = 'error' | 'warning' | 'info';

/** A macro (or struct) of a Xen public header, e.g. `xen/io/ring.h` RING_REQUEST_PROD_OVERFLOW. */
export interface HeaderSource { readonly header: string; readonly macro: string }

/** What a Linux driver does: the file under the kernel tree and the function. */
export interface LinuxSource { readonly linux: string; readonly function: string }

/**
 * A section of Virtual I/O Device (VIRTIO) Version 1.2 (`also`: further sections, in the order cited) and,
 * where the spec states the rule as a requirement, its MUST / SHOULD sentence quoted from one of them.
 */
export interface VirtioSource { readonly virtio: string; readonly also?: readonly string[]; readonly quote?: string }

/** A rule of ringwire's own (file formats, command-line usage, API limits), and why it exists. */
export interface PolicySource { readonly ringwire: 'policy'; readonly why: string }

export type RuleSource = HeaderSource | LinuxSource | VirtioSource | PolicySource;

export interface RuleEntry {
  /** The stable UPPER_SNAKE code errors carry (never reworded). */
  readonly id: string;
  readonly family: RuleFamily;
  readonly kind: RuleKind;
  readonly binds: RuleParty;
  readonly severity: RuleSeverity;
  /** One sentence: what the rule requires (or what the code means). */
  readonly statement: string;
  readonly source: RuleSource;
  /**
   * A rule no error class throws yet, enforced by the conformance checker on traces or ring dumps.
   * Absent for codes ringwire throws.
   */
  readonly checked?: 'trace' | 'dump';
  /**
   * For a rule only the trace checker enforces (`checked: 'trace'`, and only those): why no receiving end can
   * refuse it from what it is shown (shared memory, notifications, the handshake), so a hostile trace for it
   * expects the end under test to keep to the protocol while ringwire's monitor reports the rule.
   */
  readonly unseen?: string;
  /**
   * The rule is also judged on ring dumps (`ringwire dump`, src/check/dump-*.ts) by what the dump shows
   * alone: set on codes ringwire throws and on rules checked on traces that a dump can show broken too. A rule
   * judged on dumps only says `checked: 'dump'` instead.
   */
  readonly dumps?: true;
}
