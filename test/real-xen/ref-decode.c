/*
 * ref-decode: the C reference decode of a captured Xen shared-ring image, built from the real public headers
 * (xen/io/ring.h, blkif.h, netif.h of Debian's libxen-dev) by gen-fixtures (test tooling; npm test only reads the
 * JSON it wrote). Usage: ref-decode RING ORDER < IMAGE    (RING: blkif | netif_tx | netif_rx)
 *
 * Prints one JSON object: the four shared index words, then every slot of the request window
 * [rsp_prod, req_prod) and of the response window [req_prod - RING_SIZE, rsp_prod), each read through the
 * header's own struct types (the sring's ring[] member, RING_SIZE from __CONST_RING_SIZE's formula for the
 * ring's byte size): index, slot, offset, the struct and variant it is, and its members by their C names.
 * blkif requests are read as the struct their operation names; on netif rings the slots following one that
 * announces extra info (NETTXF_extra_info on tx requests, NETRXF_extra_info on rx responses) are read as
 * struct netif_extra_info while XEN_NETIF_EXTRA_FLAG_MORE is set, each window read as if a packet began at
 * its first slot. uint64_t members are printed as decimal strings, everything else as JSON numbers.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/xen.h>
#include <xen/io/ring.h>
#include <xen/io/blkif.h>
#include <xen/io/netif.h>

#define PAGE 4096
static unsigned char img[PAGE << 4];

static void seg_list(const struct blkif_request_segment *s, unsigned n) {
    printf("\"seg\":[");
    for (unsigned i = 0; i < n; i++)
        printf("%s{\"gref\":%" PRIu32 ",\"first_sect\":%u,\"last_sect\":%u}", i ? "," : "", s[i].gref, s[i].first_sect, s[i].last_sect);
    printf("]");
}

static const char *blk_op_name(unsigned op) {
    switch (op) {
    case BLKIF_OP_READ: return "BLKIF_OP_READ";
    case BLKIF_OP_WRITE: return "BLKIF_OP_WRITE";
    case BLKIF_OP_WRITE_BARRIER: return "BLKIF_OP_WRITE_BARRIER";
    case BLKIF_OP_FLUSH_DISKCACHE: return "BLKIF_OP_FLUSH_DISKCACHE";
    case BLKIF_OP_RESERVED_1: return "BLKIF_OP_RESERVED_1";
    case BLKIF_OP_DISCARD: return "BLKIF_OP_DISCARD";
    case BLKIF_OP_INDIRECT: return "BLKIF_OP_INDIRECT";
    default: return NULL;
    }
}

static void blk_request(const blkif_request_t *r) {
    const char *v = blk_op_name(r->operation);
    if (!v) {
        const unsigned char *b = (const unsigned char *)r;
        printf("\"struct\":null,\"raw\":\"");
        for (size_t i = 0; i < sizeof *r; i++) printf("%02x", b[i]);
        printf("\"");
        return;
    }
    if (r->operation == BLKIF_OP_DISCARD) {
        const blkif_request_discard_t *d = (const void *)r;
        printf("\"struct\":\"blkif_request_discard\",\"variant\":\"%s\",\"record\":{\"operation\":%u,\"flag\":%u,\"handle\":%u,"
               "\"id\":\"%" PRIu64 "\",\"sector_number\":\"%" PRIu64 "\",\"nr_sectors\":\"%" PRIu64 "\"}",
               v, d->operation, d->flag, d->handle, d->id, d->sector_number, d->nr_sectors);
    } else if (r->operation == BLKIF_OP_INDIRECT) {
        const blkif_request_indirect_t *d = (const void *)r;
        printf("\"struct\":\"blkif_request_indirect\",\"variant\":\"%s\",\"record\":{\"operation\":%u,\"indirect_op\":%u,"
               "\"nr_segments\":%u,\"id\":\"%" PRIu64 "\",\"sector_number\":\"%" PRIu64 "\",\"handle\":%u,\"indirect_grefs\":[",
               v, d->operation, d->indirect_op, d->nr_segments, d->id, d->sector_number, d->handle);
        for (unsigned i = 0; i < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i++) printf("%s%" PRIu32, i ? "," : "", d->indirect_grefs[i]);
        printf("]}");
    } else {
        printf("\"struct\":\"blkif_request\",\"variant\":\"%s\",\"record\":{\"operation\":%u,\"nr_segments\":%u,\"handle\":%u,"
               "\"id\":\"%" PRIu64 "\",\"sector_number\":\"%" PRIu64 "\",", v, r->operation, r->nr_segments, r->handle, r->id, r->sector_number);
        seg_list(r->seg, BLKIF_MAX_SEGMENTS_PER_REQUEST);
        printf("}");
    }
}

static void blk_response(const blkif_response_t *r) {
    printf("\"struct\":\"blkif_response\",\"record\":{\"id\":\"%" PRIu64 "\",\"operation\":%u,\"status\":%d}", r->id, r->operation, r->status);
}

/* Returns whether the extra-info chain continues after this slot. */
static int extra_info(const struct netif_extra_info *e) {
    printf("\"struct\":\"netif_extra_info\",\"record\":{\"type\":%u,\"flags\":%u,\"u\":{", e->type, e->flags);
    switch (e->type) {
    case XEN_NETIF_EXTRA_TYPE_GSO:
        printf("\"gso\":{\"size\":%u,\"type\":%u,\"pad\":%u,\"features\":%u}", e->u.gso.size, e->u.gso.type, e->u.gso.pad, e->u.gso.features);
        break;
    case XEN_NETIF_EXTRA_TYPE_MCAST_ADD:
    case XEN_NETIF_EXTRA_TYPE_MCAST_DEL:
        printf("\"mcast\":{\"addr\":[%u,%u,%u,%u,%u,%u]}", e->u.mcast.addr[0], e->u.mcast.addr[1], e->u.mcast.addr[2],
               e->u.mcast.addr[3], e->u.mcast.addr[4], e->u.mcast.addr[5]);
        break;
    case XEN_NETIF_EXTRA_TYPE_HASH:
        printf("\"hash\":{\"type\":%u,\"algorithm\":%u,\"value\":[%u,%u,%u,%u]}", e->u.hash.type, e->u.hash.algorithm,
               e->u.hash.value[0], e->u.hash.value[1], e->u.hash.value[2], e->u.hash.value[3]);
        break;
    default:
        printf("\"pad\":[%u,%u,%u]", e->u.pad[0], e->u.pad[1], e->u.pad[2]);
    }
    printf("}}");
    return (e->flags & XEN_NETIF_EXTRA_FLAG_MORE) != 0;
}

static int tx_request(const netif_tx_request_t *r) {
    printf("\"struct\":\"netif_tx_request\",\"record\":{\"gref\":%" PRIu32 ",\"offset\":%u,\"flags\":%u,\"id\":%u,\"size\":%u}",
           r->gref, r->offset, r->flags, r->id, r->size);
    return (r->flags & NETTXF_extra_info) != 0;
}
static void tx_response(const netif_tx_response_t *r) {
    printf("\"struct\":\"netif_tx_response\",\"record\":{\"id\":%u,\"status\":%d}", r->id, r->status);
}
static void rx_request(const netif_rx_request_t *r) {
    printf("\"struct\":\"netif_rx_request\",\"record\":{\"id\":%u,\"pad\":%u,\"gref\":%" PRIu32 "}", r->id, r->pad, r->gref);
}
static int rx_response(const netif_rx_response_t *r) {
    printf("\"struct\":\"netif_rx_response\",\"record\":{\"id\":%u,\"offset\":%u,\"flags\":%u,\"status\":%d}", r->id, r->offset, r->flags, r->status);
    return (r->flags & NETRXF_extra_info) != 0;
}

static int all_zero(const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) if (b[i]) return 0;
    return 1;
}

/* One window of slots; SIDE is req or rsp (the member of the ring's union); "zero" says whether that member's
 * bytes are all zero (a response slot never written since SHARED_RING_INIT, or one that holds only zeros). */
#define WINDOW(SRING, SIDE, FROM, COUNT, DECODE, EXTRA)                                                        \
    do {                                                                                                       \
        int extra_ = 0;                                                                                        \
        for (RING_IDX i_ = 0; i_ < (COUNT); i_++) {                                                          \
            RING_IDX idx_ = (FROM) + i_;                                                                       \
            unsigned slot_ = idx_ & (n - 1);                                                                   \
            const void *e_ = &(SRING)->ring[slot_].SIDE;                                                            \
            printf("%s{\"index\":%" PRIu32 ",\"slot\":%u,\"offset\":%zu,\"zero\":%s,", i_ ? "," : "", idx_, slot_, \
                   (size_t)((const unsigned char *)e_ - img), all_zero(e_, sizeof (SRING)->ring[0].SIDE) ? "true" : "false"); \
            if (extra_) extra_ = extra_info(e_);                                                               \
            else { extra_ = 0; EXTRA; DECODE; }                                                                \
            printf("}");                                                                                       \
        }                                                                                                      \
    } while (0)

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: ref-decode blkif|netif_tx|netif_rx ORDER < IMAGE\n"); return 2; }
    const char *ring = argv[1];
    unsigned order = (unsigned)atoi(argv[2]);
    size_t bytes = (size_t)PAGE << order;
    if (order > 4 || fread(img, 1, bytes, stdin) != bytes) { fprintf(stderr, "ref-decode: need %zu bytes\n", bytes); return 1; }
    struct { RING_IDX req_prod, req_event, rsp_prod, rsp_event; } h;
    memcpy(&h, img, sizeof h); /* every sring starts with these four words (ring.h DEFINE_RING_TYPES) */
    unsigned n;
    if (!strcmp(ring, "blkif")) n = __RING_SIZE((blkif_sring_t *)img, bytes);
    else if (!strcmp(ring, "netif_tx")) n = __RING_SIZE((netif_tx_sring_t *)img, bytes);
    else if (!strcmp(ring, "netif_rx")) n = __RING_SIZE((netif_rx_sring_t *)img, bytes);
    else { fprintf(stderr, "ref-decode: unknown ring %s\n", ring); return 2; }
    RING_IDX outstanding = h.req_prod - h.rsp_prod;
    if (outstanding > n) { fprintf(stderr, "ref-decode: req_prod - rsp_prod = %" PRIu32 " > %u\n", outstanding, n); return 1; }
    RING_IDX rsp_from = h.req_prod - n, rsp_count = h.rsp_prod - rsp_from;
    printf("{\"ring\":\"%s\",\"order\":%u,\"nrEnts\":%u,\"header\":{\"req_prod\":%" PRIu32 ",\"req_event\":%" PRIu32
           ",\"rsp_prod\":%" PRIu32 ",\"rsp_event\":%" PRIu32 "},\"requests\":[", ring, order, n, h.req_prod, h.req_event, h.rsp_prod, h.rsp_event);
    if (!strcmp(ring, "blkif")) {
        blkif_sring_t *s = (void *)img;
        WINDOW(s, req, h.rsp_prod, outstanding, blk_request(&s->ring[slot_].req), (void)0);
        printf("],\"responses\":[");
        WINDOW(s, rsp, rsp_from, rsp_count, blk_response(&s->ring[slot_].rsp), (void)0);
    } else if (!strcmp(ring, "netif_tx")) {
        netif_tx_sring_t *s = (void *)img;
        WINDOW(s, req, h.rsp_prod, outstanding, (void)0, extra_ = tx_request(&s->ring[slot_].req));
        printf("],\"responses\":[");
        WINDOW(s, rsp, rsp_from, rsp_count, tx_response(&s->ring[slot_].rsp), (void)0);
    } else {
        netif_rx_sring_t *s = (void *)img;
        WINDOW(s, req, h.rsp_prod, outstanding, rx_request(&s->ring[slot_].req), (void)0);
        printf("],\"responses\":[");
        WINDOW(s, rsp, rsp_from, rsp_count, (void)0, extra_ = rx_response(&s->ring[slot_].rsp));
    }
    printf("]}\n");
    return 0;
}
