/**
 * The ringwire trace format as data: the pcapng container (pcapng.ts) and the ringwire record inside each
 * Enhanced Packet Block (record.ts). Kept apart from structDecls: these are not C structs the oracle checks.
 */
import type { StructDecl, ConstantDecl } from '../decl.js';
import { pcapng_shb, pcapng_idb, pcapng_epb, pcapng_option, pcapngConstants } from './pcapng.js';
import { ringwire_record_header, recordConstants } from './record.js';
import { bodyStructs, bodyConstants } from './bodies.js';

export * from './pcapng.js';
export * from './record.js';
export * from './bodies.js';
export * from './hostile.js';

export const traceStructs: readonly StructDecl[] = [pcapng_shb, pcapng_idb, pcapng_epb, pcapng_option, ringwire_record_header, ...bodyStructs];
export const traceConstants: readonly ConstantDecl[] = [...pcapngConstants, ...recordConstants, ...bodyConstants];
