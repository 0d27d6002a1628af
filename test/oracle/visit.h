/*
 * visit.h - deterministic test instances of the Xen structs (runnable ABIs).
 */
#ifndef RINGWIRE_VISIT_H
#define RINGWIRE_VISIT_H

#include <stdio.h>
#include "oracle.h"

struct visitor;

struct oracle_desc {
    const char *name;                           /* struct tag            */
    size_t size;                                /* sizeof(struct name)   */
    void (*visit)(struct visitor *, void *);    /* walks every member    */
    const int *groups;                          /* edge-case groups, see */
    unsigned ngroups;                           /*   visit.c             */
};

extern const struct oracle_desc oracle_descs[];
extern const unsigned oracle_ndescs;

#define ORACLE_MAX_STRUCT 256 /* bytes; checked in visit.c */

unsigned oracle_instance_count(const struct oracle_desc *d);
/* memset(obj, 0) then assign every member of instance idx. */
void oracle_fill(const struct oracle_desc *d, unsigned idx, void *obj);
/* The members of *obj as a JSON object (64-bit ones as decimal strings). */
void oracle_print_json(const struct oracle_desc *d, const void *obj, FILE *out);
/* The members of *obj as a C initializer list. */
void oracle_print_c(const struct oracle_desc *d, const void *obj, FILE *out);

#endif
