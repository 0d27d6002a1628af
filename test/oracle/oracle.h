/*
 * oracle.h - shared by every oracle translation unit and every ABI.
 *
 * Includes the real Xen public headers (as installed by libxen-dev) and
 * defines the fixed "record" format in which layout facts are stored.  A
 * record is 96 bytes of uint32_t/char only, so it has the same layout on
 * x86_64, x86_32 and arm; that lets build-goldens.sh read the records straight
 * out of an arm object file that can never be executed here.
 */
#ifndef RINGWIRE_ORACLE_H
#define RINGWIRE_ORACLE_H

#include <stdint.h>
#include <stddef.h>
#include <xen/io/protocols.h>
#include <xen/io/ring.h>
#include <xen/io/blkif.h>
#include <xen/io/netif.h>
#include <xen/io/xenbus.h>

/* Prove we are compiling for the ABI we think we are, with the right arch header. */
#if defined(__x86_64__) || defined(__i386__)
# ifndef __XEN_PUBLIC_ARCH_X86_XEN_H__
#  error "xen.h did not pull in arch-x86/xen.h"
# endif
#elif defined(__arm__) && !defined(__aarch64__)
# ifndef __XEN_PUBLIC_ARCH_ARM_H__
#  error "xen.h did not pull in arch-arm.h"
# endif
#else
# error "oracle: unsupported target (want x86_64, i386 or 32-bit arm)"
#endif
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
# error "oracle: only little-endian targets are supported"
#endif

enum oracle_kind {
    ORACLE_K_END    = 0,
    ORACLE_K_ABI    = 1, /* name = XEN_IO_PROTO_ABI_NATIVE                     */
    ORACLE_K_STRUCT = 2, /* name = struct tag, v[0] = sizeof, v[1] = alignof   */
    ORACLE_K_FIELD  = 3, /* name = member path, v[0] = offsetof, v[1] = sizeof */
    ORACLE_K_CONST  = 4, /* name = macro, v[0]/v[1] = low/high half of int64   */
    ORACLE_K_RING   = 5, /* v[0] = header, v[1] = entry, v[2..6] = slots for
                            1, 2, 4, 8, 16 pages of 4096 bytes                 */
    ORACLE_K_SRING  = 6  /* like FIELD, for struct blkif_sring's header        */
};

struct oracle_rec {
    uint32_t kind;
    uint32_t v[7];
    char name[64];
};
_Static_assert(sizeof(struct oracle_rec) == 96, "record must be ABI-independent");

/* Terminated by an ORACLE_K_END record; lives in section .oracle_layout. */
extern const struct oracle_rec oracle_layout[];

#define ORACLE_SEED UINT64_C(0x72696e6777697265) /* "ringwire" */

#endif
