/*
 * visit.c - one walker per Xen struct, used three ways:
 *   M_FILL  assign every member through its own C type (after memset 0),
 *   M_JSON  print the members' values as the golden "values" object,
 *   M_C     print them as a C initializer (compiled again for arm).
 * The member types are taken from the headers with _Generic, so a header
 * change to a type we do not expect is a compile error.
 *
 * Instance idx of struct S is fully determined by (ORACLE_SEED, "S", idx) and
 * does not depend on the ABI: ABI-only members (blkif_request_indirect.pad on
 * i386) are last in their struct and are not counted as edge-case leaves.
 *
 * Instances: first the edge cases of each group (all zero, all ones, a
 * distinct-byte sentinel, then each leaf alone with its top bit set), then
 * random ones (xorshift64*), at least 64 in total.  A group is a forced value
 * of netif_extra_info.type (-1 = not forced), so every union member gets edge
 * cases; structs without a union have the single group -1.
 */
#include <inttypes.h>
#include <string.h>
#include "visit.h"

enum kind { K_U8, K_U16, K_I16, K_U32, K_U64 };
static const unsigned kind_bytes[] = { 1, 2, 2, 4, 8 };
#define KIND_OF(x) _Generic((x), uint8_t: K_U8, uint16_t: K_U16, \
                            int16_t: K_I16, uint32_t: K_U32, uint64_t: K_U64)

enum mode { M_FILL, M_JSON, M_C };
enum fill { F_ZERO, F_ONES, F_SENTINEL, F_TOPBIT, F_RANDOM };

struct visitor {
    enum mode mode;
    FILE *out;
    /* M_FILL */
    enum fill fill;
    unsigned topbit;   /* F_TOPBIT: the leaf that gets its top bit set  */
    int disc;          /* >= 0: force netif_extra_info.type to this     */
    unsigned leaves;   /* leaves seen so far, ABI-only ones excluded    */
    uint8_t next_byte; /* F_SENTINEL: next byte of the pattern          */
    uint64_t rng;      /* F_RANDOM: xorshift64* state                   */
    /* M_JSON */
    int depth;
    int first[8];
};

/* ---- PRNG --------------------------------------------------------------- */

static uint64_t splitmix64(uint64_t x)
{
    x += UINT64_C(0x9e3779b97f4a7c15);
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

static uint64_t xorshift64star(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * UINT64_C(0x2545f4914f6cdd1d);
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    while (*s)
        h = (h ^ (uint8_t)*s++) * UINT64_C(0x100000001b3);
    return h;
}

/* ---- the three modes ------------------------------------------------------ */

static uint64_t fill_bits(struct visitor *v, unsigned n, int abi_only)
{
    uint64_t mask = n == 8 ? UINT64_MAX : (UINT64_C(1) << (8 * n)) - 1;
    unsigned index = v->leaves;
    uint64_t x = 0;

    if (!abi_only)
        v->leaves++;
    switch (v->fill) {
    case F_ZERO:
        return 0;
    case F_ONES:
        return mask;
    case F_SENTINEL: /* bytes k, k+1, ... in memory order; 0 is skipped */
        for (unsigned i = 0; i < n; i++) {
            x |= (uint64_t)v->next_byte << (8 * i);
            v->next_byte = v->next_byte == 0xff ? 1 : v->next_byte + 1;
        }
        return x;
    case F_TOPBIT:
        return !abi_only && index == v->topbit ? UINT64_C(1) << (8 * n - 1) : 0;
    case F_RANDOM:
        return xorshift64star(&v->rng) & mask;
    }
    return 0;
}

static void store(void *p, enum kind k, uint64_t bits)
{
    switch (k) {
    case K_U8:  *(uint8_t *)p = (uint8_t)bits; break;
    case K_U16: *(uint16_t *)p = (uint16_t)bits; break;
    case K_I16: *(int16_t *)p = (int16_t)(bits & 0x8000 ? (int32_t)bits - 0x10000
                                                        : (int32_t)bits); break;
    case K_U32: *(uint32_t *)p = (uint32_t)bits; break;
    case K_U64: *(uint64_t *)p = bits; break;
    }
}

static uint64_t load_unsigned(const void *p, enum kind k)
{
    switch (k) {
    case K_U8:  return *(const uint8_t *)p;
    case K_U16: return *(const uint16_t *)p;
    case K_U32: return *(const uint32_t *)p;
    case K_U64: return *(const uint64_t *)p;
    case K_I16: break;
    }
    return 0;
}

static void json_key(struct visitor *v, const char *name)
{
    if (!v->first[v->depth])
        fputc(',', v->out);
    v->first[v->depth] = 0;
    if (name)
        fprintf(v->out, "\"%s\":", name);
}

static void leaf(struct visitor *v, const char *name, void *p, enum kind k,
                 int abi_only)
{
    switch (v->mode) {
    case M_FILL:
        store(p, k, fill_bits(v, kind_bytes[k], abi_only));
        break;
    case M_JSON:
        json_key(v, name);
        if (k == K_I16)
            fprintf(v->out, "%d", *(const int16_t *)p);
        else if (k == K_U64)
            fprintf(v->out, "\"%" PRIu64 "\"", load_unsigned(p, k));
        else
            fprintf(v->out, "%" PRIu64, load_unsigned(p, k));
        break;
    case M_C:
        if (name)
            fprintf(v->out, ".%s = ", name);
        if (k == K_I16)
            fprintf(v->out, "%d, ", *(const int16_t *)p);
        else if (k == K_U64)
            fprintf(v->out, "UINT64_C(0x%016" PRIx64 "), ", load_unsigned(p, k));
        else
            fprintf(v->out, "0x%" PRIx64 "u, ", load_unsigned(p, k));
        break;
    }
}

static void open_(struct visitor *v, const char *name, int is_array)
{
    switch (v->mode) {
    case M_FILL:
        break;
    case M_JSON:
        json_key(v, name);
        fputc(is_array ? '[' : '{', v->out);
        v->first[++v->depth] = 1;
        break;
    case M_C:
        if (name)
            fprintf(v->out, ".%s = ", name);
        fputs("{ ", v->out);
        break;
    }
}

static void close_(struct visitor *v, int is_array)
{
    switch (v->mode) {
    case M_FILL:
        break;
    case M_JSON:
        v->depth--;
        fputc(is_array ? ']' : '}', v->out);
        break;
    case M_C:
        fputs("}, ", v->out);
        break;
    }
}

/* ---- one walker per struct, members in declaration order ----------------- */

#define AT(name, m) leaf(v, name, &p->m, KIND_OF(p->m), 0)
#define LEAF(m) AT(#m, m)
#define ARRAY(name, m)                                                  \
    do {                                                                \
        open_(v, name, 1);                                              \
        for (size_t i_ = 0; i_ < sizeof p->m / sizeof p->m[0]; i_++)    \
            leaf(v, NULL, &p->m[i_], KIND_OF(p->m[0]), 0);              \
        close_(v, 1);                                                   \
    } while (0)

static void visit_blkif_request_segment(struct visitor *v, void *vp)
{
    struct blkif_request_segment *p = vp;
    LEAF(gref);
    LEAF(first_sect);
    LEAF(last_sect);
}

static void visit_blkif_request(struct visitor *v, void *vp)
{
    struct blkif_request *p = vp;
    LEAF(operation);
    LEAF(nr_segments);
    LEAF(handle);
    LEAF(id);
    LEAF(sector_number);
    open_(v, "seg", 1);
    for (size_t i = 0; i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++) {
        open_(v, NULL, 0);
        visit_blkif_request_segment(v, &p->seg[i]);
        close_(v, 0);
    }
    close_(v, 1);
}

static void visit_blkif_request_discard(struct visitor *v, void *vp)
{
    struct blkif_request_discard *p = vp;
    LEAF(operation);
    LEAF(flag);
    LEAF(handle);
    LEAF(id);
    LEAF(sector_number);
    LEAF(nr_sectors);
}

static void visit_blkif_request_indirect(struct visitor *v, void *vp)
{
    struct blkif_request_indirect *p = vp;
    LEAF(operation);
    LEAF(indirect_op);
    LEAF(nr_segments);
    LEAF(id);
    LEAF(sector_number);
    LEAF(handle);
    ARRAY("indirect_grefs", indirect_grefs);
#ifdef __i386__ /* same condition as blkif.h; ABI-only, so not an edge leaf */
    leaf(v, "pad", &p->pad, KIND_OF(p->pad), 1);
#endif
}

static void visit_blkif_response(struct visitor *v, void *vp)
{
    struct blkif_response *p = vp;
    LEAF(id);
    LEAF(operation);
    LEAF(status);
}

static void visit_netif_tx_request(struct visitor *v, void *vp)
{
    struct netif_tx_request *p = vp;
    LEAF(gref);
    LEAF(offset);
    LEAF(flags);
    LEAF(id);
    LEAF(size);
}

static void visit_netif_tx_response(struct visitor *v, void *vp)
{
    struct netif_tx_response *p = vp;
    LEAF(id);
    LEAF(status);
}

static void visit_netif_rx_request(struct visitor *v, void *vp)
{
    struct netif_rx_request *p = vp;
    LEAF(id);
    LEAF(pad);
    LEAF(gref);
}

static void visit_netif_rx_response(struct visitor *v, void *vp)
{
    struct netif_rx_response *p = vp;
    LEAF(id);
    LEAF(offset);
    LEAF(flags);
    LEAF(status);
}

/* The union member that is live is chosen by `type`, as netif.h documents. */
static void visit_netif_extra_info(struct visitor *v, void *vp)
{
    struct netif_extra_info *p = vp;
    LEAF(type);
    if (v->mode == M_FILL && v->disc >= 0)
        p->type = (uint8_t)v->disc;
    LEAF(flags);
    open_(v, "u", 0);
    switch (p->type) {
    case XEN_NETIF_EXTRA_TYPE_GSO:
        open_(v, "gso", 0);
        AT("size", u.gso.size);
        AT("type", u.gso.type);
        AT("pad", u.gso.pad);
        AT("features", u.gso.features);
        close_(v, 0);
        break;
    case XEN_NETIF_EXTRA_TYPE_MCAST_ADD:
    case XEN_NETIF_EXTRA_TYPE_MCAST_DEL:
        open_(v, "mcast", 0);
        ARRAY("addr", u.mcast.addr);
        close_(v, 0);
        break;
    case XEN_NETIF_EXTRA_TYPE_HASH:
        open_(v, "hash", 0);
        AT("type", u.hash.type);
        AT("algorithm", u.hash.algorithm);
        ARRAY("value", u.hash.value);
        close_(v, 0);
        break;
    default:
        ARRAY("pad", u.pad);
        break;
    }
    close_(v, 0);
}

static void visit_xen_netif_ctrl_request(struct visitor *v, void *vp)
{
    struct xen_netif_ctrl_request *p = vp;
    LEAF(id);
    LEAF(type);
    ARRAY("data", data);
}

static void visit_xen_netif_ctrl_response(struct visitor *v, void *vp)
{
    struct xen_netif_ctrl_response *p = vp;
    LEAF(id);
    LEAF(type);
    LEAF(status);
    LEAF(data);
}

static void visit_xen_netif_gref(struct visitor *v, void *vp)
{
    struct xen_netif_gref *p = vp;
    LEAF(ref);
    LEAF(flags);
    LEAF(status);
}

static const int plain[] = { -1 };
static const int extra[] = {
    -1, XEN_NETIF_EXTRA_TYPE_GSO, XEN_NETIF_EXTRA_TYPE_MCAST_ADD,
    XEN_NETIF_EXTRA_TYPE_MCAST_DEL, XEN_NETIF_EXTRA_TYPE_HASH,
};

#define DESC(s, g) { #s, sizeof(struct s), visit_##s, g, sizeof g / sizeof g[0] }
const struct oracle_desc oracle_descs[] = {
    DESC(blkif_request, plain),
    DESC(blkif_request_segment, plain),
    DESC(blkif_request_discard, plain),
    DESC(blkif_request_indirect, plain),
    DESC(blkif_response, plain),
    DESC(netif_tx_request, plain),
    DESC(netif_tx_response, plain),
    DESC(netif_rx_request, plain),
    DESC(netif_rx_response, plain),
    DESC(netif_extra_info, extra),
    DESC(xen_netif_ctrl_request, plain),
    DESC(xen_netif_ctrl_response, plain),
    DESC(xen_netif_gref, plain),
};
const unsigned oracle_ndescs = sizeof oracle_descs / sizeof oracle_descs[0];

/* ---- the instance plan ---------------------------------------------------- */

struct step {
    enum fill fill;
    unsigned topbit;
    int disc;
    uint8_t sentinel;
};

static unsigned count_leaves(const struct oracle_desc *d, int disc)
{
    _Alignas(16) unsigned char buf[ORACLE_MAX_STRUCT];
    struct visitor v = { .mode = M_FILL, .fill = F_ZERO, .disc = disc };

    memset(buf, 0, sizeof buf);
    d->visit(&v, buf);
    return v.leaves;
}

/* Enumerates the edge cases; stores number `want` in *out, returns the count. */
static unsigned edge_steps(const struct oracle_desc *d, unsigned want,
                           struct step *out)
{
    unsigned n = 0;
#define EDGE(s) do { if (n == want) *out = (s); n++; } while (0)
    for (unsigned g = 0; g < d->ngroups; g++) {
        int disc = d->groups[g];
        unsigned nleaves = count_leaves(d, disc);
        struct step s = { .disc = disc, .sentinel = (uint8_t)(1 + 0x20 * g) };

        if (disc < 0) {
            s.fill = F_ZERO;
            EDGE(s);
        }
        s.fill = F_ONES;
        EDGE(s);
        s.fill = F_SENTINEL;
        EDGE(s);
        /* with a forced type, leaf 0 (type itself) would be overwritten */
        for (unsigned k = disc < 0 ? 0 : 1; k < nleaves; k++) {
            s.fill = F_TOPBIT;
            s.topbit = k;
            EDGE(s);
        }
    }
#undef EDGE
    return n;
}

unsigned oracle_instance_count(const struct oracle_desc *d)
{
    struct step unused;
    unsigned edges = edge_steps(d, UINT32_MAX, &unused);
    return edges + (edges >= 32 ? 32 : 64 - edges);
}

void oracle_fill(const struct oracle_desc *d, unsigned idx, void *obj)
{
    struct step s = { .fill = F_RANDOM, .disc = -1 };
    unsigned edges = edge_steps(d, idx, &s);
    uint64_t seed = splitmix64(ORACLE_SEED ^ fnv1a(d->name) ^ splitmix64(idx));

    if (idx >= edges && d->ngroups > 1) {
        /* random: type cycles through 0..5, every 7th is a random byte */
        unsigned j = (idx - edges) % 7;
        s.disc = j < 6 ? (int)j : -1;
    }
    struct visitor v = {
        .mode = M_FILL, .fill = s.fill, .topbit = s.topbit, .disc = s.disc,
        .next_byte = s.sentinel, .rng = seed ? seed : 1,
    };
    memset(obj, 0, d->size);
    d->visit(&v, obj);
}

void oracle_print_json(const struct oracle_desc *d, const void *obj, FILE *out)
{
    struct visitor v = { .mode = M_JSON, .out = out, .first = { 1 } };
    open_(&v, NULL, 0);
    d->visit(&v, (void *)obj);
    close_(&v, 0);
}

void oracle_print_c(const struct oracle_desc *d, const void *obj, FILE *out)
{
    struct visitor v = { .mode = M_C, .out = out };
    fputs("{ ", out);
    d->visit(&v, (void *)obj);
    fputs("}", out);
}

#define FITS(s) _Static_assert(sizeof(struct s) <= ORACLE_MAX_STRUCT, #s);
FITS(blkif_request) FITS(blkif_request_discard) FITS(blkif_request_indirect)
