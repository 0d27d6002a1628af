/*
 * xen-rings.c - differential oracle for ringwire's Xen ring state machines.
 *
 * Drives the real ring.h macros (from libxen-dev) through a seeded random sequence of front/back
 * operations on one shared ring and prints, as JSON, every operation and the state after it. The
 * TypeScript rings replay the operations from that JSON (test/xen/ring-replay.test.ts) and must
 * reproduce the state at every step. Build native for x86_64 and with -m32 (run under qemu-i386) for x86_32.
 *
 * usage: xen-rings RING ORDER START SEED STEPS    (RING: blkif | netif_tx | netif_rx | xen_netif_ctrl)
 *
 * State recorded per step (the "fields" list in the output names them):
 *   op, arg, result            the operation, its argument, and its result (notify flag or work-to-do count)
 *   req_prod .. rsp_event      the shared header
 *   req_prod_pvt, rsp_cons     the front's private indices
 *   rsp_prod_pvt, req_cons     the back's private indices
 *   free, unc_rsp, unc_req     RING_FREE_REQUESTS, XEN_RING_NR_UNCONSUMED_RESPONSES / _REQUESTS
 *   flags                      1 RING_FULL, 2 RING_REQUEST_CONS_OVERFLOW(req_cons),
 *                              4 RING_REQUEST_PROD_OVERFLOW(req_prod), 8 RING_RESPONSE_PROD_OVERFLOW(rsp_prod)
 *   mem_hash                   FNV-1a 32 (offset basis 2166136261, prime 16777619) over the whole ring memory
 *   copy_hash                  FNV-1a 32 continued over every byte RING_COPY_REQUEST / _RESPONSE copied
 *
 * Payloads: request at index i, byte k = (uint8_t)(i*0x9E + k*7 + 0x31);
 *           response at index i, byte k = (uint8_t)(i*0x5B + k*13 + 0xC4) ^ (uint8_t)copy_hash.
 * Ring memory starts filled with 0xA5, then SHARED_RING_INIT; a START other than 0 then sets
 * req_prod = rsp_prod = START and req_event = rsp_event = START + 1, and both ends attach at START.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define mb()  __sync_synchronize()
#define rmb() __sync_synchronize()
#define wmb() __sync_synchronize()
#include <xen/io/ring.h>
#include <xen/io/blkif.h>
#include <xen/io/netif.h>

enum {
    OP_INIT, OP_PRODUCE_REQ, OP_PUSH_REQ, OP_PUSH_REQ_NOTIFY, OP_CONSUME_REQ, OP_PRODUCE_RSP, OP_PUSH_RSP,
    OP_PUSH_RSP_NOTIFY, OP_CONSUME_RSP, OP_FINAL_CHECK_REQ, OP_FINAL_CHECK_RSP, OP_PEER_REQ_EVENT,
    OP_PEER_RSP_EVENT, OP_PEER_REQ_PROD, OP_PEER_RSP_PROD,
};

static uint8_t mem[4096 << 4] __attribute__((aligned(4096)));
static uint32_t rng_state;

#if defined(__i386__)
# define ORACLE_ABI "x86_32"
#elif defined(__x86_64__)
# define ORACLE_ABI "x86_64"
#else
# error "xen-rings oracle: build for x86_64 or i386"
#endif

static uint32_t rnd(void) { /* xorshift32 */
    uint32_t x = rng_state;
    x ^= x << 13; x ^= x >> 17; x ^= x << 5;
    return rng_state = x;
}

static uint32_t fnv1a(uint32_t h, const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) { h ^= p[i]; h *= 16777619u; }
    return h;
}

static uint32_t min_u(uint32_t a, uint32_t b) { return a < b ? a : b; }

/* One driver per ring type: the macros are type-generic only through the tag. */
#define DEFINE_DRIVER(tag)                                                                              \
static void run_##tag(unsigned order, RING_IDX start, uint32_t seed, unsigned steps) {                                 \
    size_t bytes = (size_t)4096 << order;                                                               \
    struct tag##_sring *s = (struct tag##_sring *)mem;                                                  \
    struct tag##_front_ring f;                                                                          \
    struct tag##_back_ring b;                                                                           \
    union tag##_sring_entry tmp;                                                                        \
    uint32_t copy_hash = 2166136261u;                                                                   \
    memset(mem, 0xA5, bytes);                                                                           \
    SHARED_RING_INIT(s);                                                                                \
    if (start != 0) { s->req_prod = s->rsp_prod = start; s->req_event = s->rsp_event = start + 1; }    \
    FRONT_RING_ATTACH(&f, s, start, bytes);                                                             \
    BACK_RING_ATTACH(&b, s, start, bytes);                                                              \
    printf("{\"ring\":\"%s\",\"abi\":\"%s\",\"seed\":%u,\"stepCount\":%u,\"order\":%u,\"start\":%u,\"nrEnts\":%u,\"entrySize\":%u,"                  \
           "\"requestSize\":%u,\"responseSize\":%u,\"ringBytes\":%u,\n", #tag, ORACLE_ABI, seed, steps, order, start,             \
           (unsigned)RING_SIZE(&f), (unsigned)sizeof(s->ring[0]), (unsigned)sizeof(tmp.req),             \
           (unsigned)sizeof(tmp.rsp), (unsigned)bytes);                                                 \
    printf("\"fields\":[\"op\",\"arg\",\"result\",\"req_prod\",\"req_event\",\"rsp_prod\",\"rsp_event\","  \
           "\"req_prod_pvt\",\"rsp_cons\",\"rsp_prod_pvt\",\"req_cons\",\"free\",\"unc_rsp\",\"unc_req\","  \
           "\"flags\",\"mem_hash\",\"copy_hash\"],\n\"steps\":[\n");                                    \
    for (unsigned step = 0; step <= steps; step++) {                                                    \
        uint32_t op = OP_INIT, arg = step ? 0 : start, result = 0, w = rnd() % 100, n, i, k, lim;                  \
        if (step == 0) { }                                                                              \
        else if (w < 16) {                                                                              \
            op = OP_PRODUCE_REQ; lim = min_u(RING_FREE_REQUESTS(&f), RING_SIZE(&f));                    \
            arg = n = rnd() % (lim + 1);                                                                \
            for (i = 0; i < n; i++, f.req_prod_pvt++) {                                                 \
                uint8_t *p = (uint8_t *)RING_GET_REQUEST(&f, f.req_prod_pvt);                           \
                for (k = 0; k < sizeof(tmp.req); k++) p[k] = (uint8_t)(f.req_prod_pvt * 0x9Eu + k * 7u + 0x31u); \
            }                                                                                           \
        } else if (w < 22) { op = OP_PUSH_REQ; RING_PUSH_REQUESTS(&f); }                                \
        else if (w < 32) { int nt; op = OP_PUSH_REQ_NOTIFY; RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&f, nt); result = nt; } \
        else if (w < 46) {                                                                              \
            op = OP_CONSUME_REQ; lim = min_u(XEN_RING_NR_UNCONSUMED_REQUESTS(&b), RING_SIZE(&b));       \
            arg = n = rnd() % (lim + 1);                                                                \
            for (i = 0; i < n; i++, b.req_cons++) {                                                     \
                RING_COPY_REQUEST(&b, b.req_cons, &tmp.req);                                            \
                copy_hash = fnv1a(copy_hash, (const uint8_t *)&tmp.req, sizeof(tmp.req));               \
            }                                                                                           \
        } else if (w < 58) {                                                                            \
            op = OP_PRODUCE_RSP; lim = min_u(b.req_cons - b.rsp_prod_pvt, RING_SIZE(&b));               \
            arg = n = rnd() % (lim + 1);                                                                \
            for (i = 0; i < n; i++, b.rsp_prod_pvt++) {                                                 \
                uint8_t *p = (uint8_t *)RING_GET_RESPONSE(&b, b.rsp_prod_pvt);                          \
                for (k = 0; k < sizeof(tmp.rsp); k++)                                                   \
                    p[k] = (uint8_t)(b.rsp_prod_pvt * 0x5Bu + k * 13u + 0xC4u) ^ (uint8_t)copy_hash;    \
            }                                                                                           \
        } else if (w < 64) { op = OP_PUSH_RSP; RING_PUSH_RESPONSES(&b); }                               \
        else if (w < 74) { int nt; op = OP_PUSH_RSP_NOTIFY; RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&b, nt); result = nt; } \
        else if (w < 86) {                                                                              \
            op = OP_CONSUME_RSP; lim = min_u(XEN_RING_NR_UNCONSUMED_RESPONSES(&f), RING_SIZE(&f));      \
            arg = n = rnd() % (lim + 1);                                                                \
            for (i = 0; i < n; i++, f.rsp_cons++) {                                                     \
                RING_COPY_RESPONSE(&f, f.rsp_cons, &tmp.rsp);                                           \
                copy_hash = fnv1a(copy_hash, (const uint8_t *)&tmp.rsp, sizeof(tmp.rsp));               \
            }                                                                                           \
        } else if (w < 92) { int wk; op = OP_FINAL_CHECK_REQ; RING_FINAL_CHECK_FOR_REQUESTS(&b, wk); result = wk; } \
        else if (w < 98) { int wk; op = OP_FINAL_CHECK_RSP; RING_FINAL_CHECK_FOR_RESPONSES(&f, wk); result = wk; } \
        else {                                                                                          \
            /* A peer writes an odd index: an event far off or behind, or a producer index that jumps. */ \
            uint32_t pick = rnd() % 4, v = rnd();                                                       \
            op = OP_PEER_REQ_EVENT + pick;                                                              \
            switch (pick) {                                                                             \
            case 0: arg = (v & 1) ? v : b.req_cons + (v % 5) - 2; s->req_event = arg; break;            \
            case 1: arg = (v & 1) ? v : f.rsp_cons + (v % 5) - 2; s->rsp_event = arg; break;            \
            case 2: arg = b.rsp_prod_pvt + v % (RING_SIZE(&b) + 4); s->req_prod = arg; break;           \
            default: arg = f.rsp_cons + v % (RING_SIZE(&f) + 4); s->rsp_prod = arg; break;              \
            }                                                                                           \
        }                                                                                               \
        uint32_t flags = (RING_FULL(&f) ? 1 : 0) | (RING_REQUEST_CONS_OVERFLOW(&b, b.req_cons) ? 2 : 0)   \
            | (RING_REQUEST_PROD_OVERFLOW(&b, s->req_prod) ? 4 : 0)                                     \
            | (RING_RESPONSE_PROD_OVERFLOW(&f, s->rsp_prod) ? 8 : 0);                                   \
        printf("%s[%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u]", step ? ",\n" : "",              \
               op, arg, result, s->req_prod, s->req_event, s->rsp_prod, s->rsp_event,                   \
               f.req_prod_pvt, f.rsp_cons, b.rsp_prod_pvt, b.req_cons,                                  \
               (unsigned)RING_FREE_REQUESTS(&f), (unsigned)XEN_RING_NR_UNCONSUMED_RESPONSES(&f),        \
               (unsigned)XEN_RING_NR_UNCONSUMED_REQUESTS(&b), flags,                                    \
               fnv1a(2166136261u, mem, bytes), copy_hash);                                              \
    }                                                                                                   \
    printf("\n]}\n");                                                                                   \
}

DEFINE_DRIVER(blkif)
DEFINE_DRIVER(netif_tx)
DEFINE_DRIVER(netif_rx)
DEFINE_DRIVER(xen_netif_ctrl)

int main(int argc, char **argv) {
    if (argc != 6) { fprintf(stderr, "usage: %s RING ORDER START SEED STEPS\n", argv[0]); return 2; }
    unsigned order = (unsigned)strtoul(argv[2], NULL, 0);
    RING_IDX start = (RING_IDX)strtoul(argv[3], NULL, 0);
    uint32_t seed = (uint32_t)strtoul(argv[4], NULL, 0);
    rng_state = seed;
    unsigned steps = (unsigned)strtoul(argv[5], NULL, 0);
    if (order > 4 || seed == 0) { fprintf(stderr, "order must be 0..4 and seed non-zero\n"); return 2; }
    if (!strcmp(argv[1], "blkif")) run_blkif(order, start, seed, steps);
    else if (!strcmp(argv[1], "netif_tx")) run_netif_tx(order, start, seed, steps);
    else if (!strcmp(argv[1], "netif_rx")) run_netif_rx(order, start, seed, steps);
    else if (!strcmp(argv[1], "xen_netif_ctrl")) run_xen_netif_ctrl(order, start, seed, steps);
    else { fprintf(stderr, "unknown ring %s\n", argv[1]); return 2; }
    return 0;
}
