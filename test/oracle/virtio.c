/*
 * virtio.c - what the compiler and linux/virtio_ring.h say about virtio queues.
 *
 * Prints one JSON document on stdout:
 *   "structs":    sizeof/_Alignof and offsetof/sizeof of every member (nested members by dotted path),
 *   "constants":  every VRING_* / VIRTIO_F_* / VIRTIO_RING_F_* / VIRTIO_BLK_T_* / VIRTIO_BLK_S_* /
 *                 VIRTIO_NET_HDR_* / VIRTIO_NET_HASH_REPORT_* macro,
 *   "vring":      vring_size() and vring_init()'s area offsets for several sizes and alignments,
 *   "need_event": vring_need_event() over a grid of (event, new, old) that crosses the 16-bit wrap,
 *   "script":     the byte image of a small legacy vring after the scripted driver/device sequence below.
 *
 * Everything structural comes from the header: the script writes through struct vring's pointers and the
 * vring_used_event()/vring_avail_event() macros. The script's bookkeeping (free list, counters) mirrors
 * ringwire's SplitDriver/SplitDevice so that both must produce the same bytes.
 */
#include <stdio.h>
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <stdlib.h>
#include <linux/virtio_ring.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_ids.h>

static int first;
/* _Alignof per struct, printed on one line ("align_<abi>") because it is the one fact that differs by ABI
   (a 64-bit member aligns to 4 on i386); sizes and offsets do not. */
static char aligns[4096];
static int aligns_len;
static void sep(void) { if (!first) printf(","); first = 0; }

#define MSIZE(type, m) sizeof(((type *)0)->m)
#define STRUCT_BEGIN(s) do { sep(); printf("\n    \"%s\": { \"size\": %zu, \"fields\": {", #s, sizeof(struct s)); \
    aligns_len += snprintf(aligns + aligns_len, sizeof aligns - aligns_len, "%s\"%s\": %zu", aligns_len ? ", " : "", #s, _Alignof(struct s)); int f1 = 1;
#define F(s, m) printf("%s\n      \"%s\": { \"offset\": %zu, \"size\": %zu }", f1 ? "" : ",", #m, offsetof(struct s, m), MSIZE(struct s, m)); f1 = 0;
/* A flexible array member (ring[]): sizeof is not defined for it; it adds no size, so 0. */
#define FLEX(s, m) printf("%s\n      \"%s\": { \"offset\": %zu, \"size\": 0 }", f1 ? "" : ",", #m, offsetof(struct s, m)); f1 = 0;
#define STRUCT_END() printf("\n    } }"); } while (0)
#define C(c) do { sep(); printf("\n    \"%s\": %lld", #c, (long long)(c)); } while (0)

/* ---- the scripted queue ------------------------------------------------------------------------------ */
#define QNUM 8
#define QALIGN 64
static unsigned char ring_mem[8192] __attribute__((aligned(4096)));
static unsigned char table_mem[3 * sizeof(struct vring_desc)];
static struct vring vr;

/* driver state (ringwire SplitDriver) */
static uint16_t free_next[QNUM], free_head, num_free = QNUM, avail_idx, num_added, last_used;
static uint16_t chain_len[QNUM];
/* device state (ringwire SplitDevice) */
static uint16_t last_avail, used_idx, signalled_used;

struct buf { uint64_t addr; uint32_t len; int write; };

static uint16_t drv_add(const struct buf *b, int n) {
    uint16_t head = free_head, i = head, last = head;
    for (int k = 0; k < n; k++) {
        vr.desc[i].addr = b[k].addr;
        vr.desc[i].len = b[k].len;
        vr.desc[i].flags = (b[k].write ? VRING_DESC_F_WRITE : 0) | (k < n - 1 ? VRING_DESC_F_NEXT : 0);
        vr.desc[i].next = k < n - 1 ? free_next[i] : 0;
        last = i;
        i = free_next[i];
    }
    (void)last;
    free_head = i;
    num_free -= n;
    chain_len[head] = n;
    vr.avail->ring[avail_idx % QNUM] = head;
    avail_idx++;
    vr.avail->idx = avail_idx;
    num_added++;
    return head;
}

static uint16_t drv_add_indirect(const struct buf *b, int n, uint64_t table_addr, struct vring_desc *table) {
    for (int k = 0; k < n; k++) {
        table[k].addr = b[k].addr;
        table[k].len = b[k].len;
        table[k].flags = (b[k].write ? VRING_DESC_F_WRITE : 0) | (k < n - 1 ? VRING_DESC_F_NEXT : 0);
        table[k].next = k < n - 1 ? k + 1 : 0;
    }
    struct buf one = { table_addr, (uint32_t)(n * sizeof(struct vring_desc)), 0 };
    uint16_t head = drv_add(&one, 1);
    vr.desc[head].flags = VRING_DESC_F_INDIRECT;
    return head;
}

static int drv_kick_prepare(void) {
    uint16_t new_idx = avail_idx, old = (uint16_t)(avail_idx - num_added);
    num_added = 0;
    return vring_need_event(vring_avail_event(&vr), new_idx, old);
}

static int drv_get_used(uint32_t *id, uint32_t *len) {
    if (last_used == vr.used->idx) return 0;
    struct vring_used_elem e = vr.used->ring[last_used % QNUM];
    uint16_t i = (uint16_t)e.id;
    for (int k = 1; k < chain_len[e.id]; k++) i = free_next[i];
    free_next[i] = free_head;
    free_head = (uint16_t)e.id;
    num_free += chain_len[e.id];
    last_used++;
    vring_used_event(&vr) = last_used;
    *id = e.id; *len = e.len;
    return 1;
}

static int dev_pop(void) {
    if (last_avail == vr.avail->idx) return -1;
    int head = vr.avail->ring[last_avail % QNUM];
    last_avail++;
    vring_avail_event(&vr) = last_avail;
    return head;
}

static void dev_push(uint32_t id, uint32_t len) {
    vr.used->ring[used_idx % QNUM].id = id;
    vr.used->ring[used_idx % QNUM].len = len;
    used_idx++;
    vr.used->idx = used_idx;
}

static int dev_need_interrupt(void) {
    uint16_t old = signalled_used, new_idx = used_idx;
    signalled_used = new_idx;
    return vring_need_event(vring_used_event(&vr), new_idx, old);
}

static void hex(const unsigned char *p, size_t n) {
    printf("\"");
    for (size_t i = 0; i < n; i++) printf("%02x", p[i]);
    printf("\"");
}

static void script(void) {
    vring_init(&vr, QNUM, ring_mem, QALIGN);
    for (int i = 0; i < QNUM; i++) free_next[i] = (uint16_t)((i + 1) % QNUM);
    int kicks[8], nk = 0, irqs[8], ni = 0;
    uint32_t id, len;
    long loop_kicks = 0, loop_irqs = 0;

    /* Phase 1: three chains (direct 2, direct 1, indirect 3), a partial completion, one more chain. */
    struct buf a[] = { { 0x1000, 16, 0 }, { 0x2000, 512, 1 } };
    struct buf b[] = { { 0x3000, 64, 0 } };
    struct buf c[] = { { 0x5000, 16, 0 }, { 0x6000, 4096, 1 }, { 0x7000, 1, 1 } };
    struct buf d[] = { { 0x8000, 32, 0 }, { 0x9000, 8, 1 } };
    drv_add(a, 2);
    drv_add(b, 1);
    drv_add_indirect(c, 3, 0x4000, (struct vring_desc *)table_mem);
    kicks[nk++] = drv_kick_prepare();
    int h0 = dev_pop(), h1 = dev_pop(), h2 = dev_pop();
    dev_push(h0, 512);
    dev_push(h1, 0);
    irqs[ni++] = dev_need_interrupt();
    drv_get_used(&id, &len);
    drv_get_used(&id, &len);
    drv_add(d, 2);
    kicks[nk++] = drv_kick_prepare();
    int h3 = dev_pop();
    dev_push(h2, 4097);
    dev_push(h3, 8);
    irqs[ni++] = dev_need_interrupt();
    while (drv_get_used(&id, &len)) {}

    /* Phase 2: single-buffer round trips across the 16-bit wrap of avail.idx and used.idx. */
    struct buf e[] = { { 0xa000, 128, 1 } };
    for (int n = 0; n < 65540; n++) {
        drv_add(e, 1);
        loop_kicks += drv_kick_prepare();
        int h = dev_pop();
        dev_push(h, 100);
        loop_irqs += dev_need_interrupt();
        drv_get_used(&id, &len);
    }

    /* Phase 3: two chains in flight, one of them used but not yet reclaimed. */
    struct buf f[] = { { 0xb000, 256, 1 } };
    struct buf g[] = { { 0xc000, 24, 0 }, { 0xd000, 2, 1 } };
    drv_add(f, 1);
    drv_add(g, 2);
    kicks[nk++] = drv_kick_prepare();
    int h4 = dev_pop();
    dev_push(h4, 200);
    irqs[ni++] = dev_need_interrupt();

    printf("\n  \"script\": { \"num\": %d, \"align\": %d, \"event_idx\": true, \"loop\": 65540,", QNUM, QALIGN);
    printf(" \"kicks\": [%d, %d, %d], \"irqs\": [%d, %d, %d], \"loop_kicks\": %ld, \"loop_irqs\": %ld,",
           kicks[0], kicks[1], kicks[2], irqs[0], irqs[1], irqs[2], loop_kicks, loop_irqs);
    printf(" \"avail_idx\": %u, \"used_idx\": %u, \"last_used\": %u, \"last_avail\": %u, \"num_free\": %u,",
           avail_idx, used_idx, last_used, last_avail, num_free);
    printf("\n    \"ring\": ");
    hex(ring_mem, vring_size(QNUM, QALIGN));
    printf(",\n    \"indirect_table\": ");
    hex(table_mem, sizeof table_mem);
    printf(" }");
}

int main(void) {
    printf("{\n  \"source\": \"test/oracle/virtio.c on linux/virtio_ring.h, virtio_net.h, virtio_blk.h, virtio_config.h\",");
    printf("\n  \"structs\": {");
    first = 1;
    STRUCT_BEGIN(vring_desc) F(vring_desc, addr) F(vring_desc, len) F(vring_desc, flags) F(vring_desc, next) STRUCT_END();
    STRUCT_BEGIN(vring_avail) F(vring_avail, flags) F(vring_avail, idx) FLEX(vring_avail, ring) STRUCT_END();
    STRUCT_BEGIN(vring_used_elem) F(vring_used_elem, id) F(vring_used_elem, len) STRUCT_END();
    STRUCT_BEGIN(vring_used) F(vring_used, flags) F(vring_used, idx) FLEX(vring_used, ring) STRUCT_END();
    STRUCT_BEGIN(vring_packed_desc_event) F(vring_packed_desc_event, off_wrap) F(vring_packed_desc_event, flags) STRUCT_END();
    STRUCT_BEGIN(vring_packed_desc) F(vring_packed_desc, addr) F(vring_packed_desc, len) F(vring_packed_desc, id) F(vring_packed_desc, flags) STRUCT_END();
    /* The anonymous union: its anonymous struct's members (csum_start, csum_offset) are members of
       virtio_net_hdr_v1 itself; csum and rsc are the union's named members, at the same offset. */
    STRUCT_BEGIN(virtio_net_hdr_v1) F(virtio_net_hdr_v1, flags) F(virtio_net_hdr_v1, gso_type) F(virtio_net_hdr_v1, hdr_len)
        F(virtio_net_hdr_v1, gso_size) F(virtio_net_hdr_v1, csum_start) F(virtio_net_hdr_v1, csum_offset)
        F(virtio_net_hdr_v1, csum) F(virtio_net_hdr_v1, csum.start) F(virtio_net_hdr_v1, csum.offset)
        F(virtio_net_hdr_v1, rsc) F(virtio_net_hdr_v1, rsc.segments) F(virtio_net_hdr_v1, rsc.dup_acks)
        F(virtio_net_hdr_v1, num_buffers) STRUCT_END();
    STRUCT_BEGIN(virtio_net_hdr_v1_hash) F(virtio_net_hdr_v1_hash, hdr) F(virtio_net_hdr_v1_hash, hdr.flags) F(virtio_net_hdr_v1_hash, hdr.gso_type)
        F(virtio_net_hdr_v1_hash, hdr.hdr_len) F(virtio_net_hdr_v1_hash, hdr.gso_size) F(virtio_net_hdr_v1_hash, hdr.csum_start)
        F(virtio_net_hdr_v1_hash, hdr.csum_offset) F(virtio_net_hdr_v1_hash, hdr.csum) F(virtio_net_hdr_v1_hash, hdr.csum.start)
        F(virtio_net_hdr_v1_hash, hdr.csum.offset) F(virtio_net_hdr_v1_hash, hdr.rsc) F(virtio_net_hdr_v1_hash, hdr.rsc.segments)
        F(virtio_net_hdr_v1_hash, hdr.rsc.dup_acks) F(virtio_net_hdr_v1_hash, hdr.num_buffers)
        F(virtio_net_hdr_v1_hash, hash_value) F(virtio_net_hdr_v1_hash, hash_report) F(virtio_net_hdr_v1_hash, padding) STRUCT_END();
    STRUCT_BEGIN(virtio_net_hdr) F(virtio_net_hdr, flags) F(virtio_net_hdr, gso_type) F(virtio_net_hdr, hdr_len)
        F(virtio_net_hdr, gso_size) F(virtio_net_hdr, csum_start) F(virtio_net_hdr, csum_offset) STRUCT_END();
    STRUCT_BEGIN(virtio_net_hdr_mrg_rxbuf) F(virtio_net_hdr_mrg_rxbuf, hdr) F(virtio_net_hdr_mrg_rxbuf, hdr.flags) F(virtio_net_hdr_mrg_rxbuf, hdr.gso_type)
        F(virtio_net_hdr_mrg_rxbuf, hdr.hdr_len) F(virtio_net_hdr_mrg_rxbuf, hdr.gso_size) F(virtio_net_hdr_mrg_rxbuf, hdr.csum_start)
        F(virtio_net_hdr_mrg_rxbuf, hdr.csum_offset) F(virtio_net_hdr_mrg_rxbuf, num_buffers) STRUCT_END();
    STRUCT_BEGIN(virtio_blk_outhdr) F(virtio_blk_outhdr, type) F(virtio_blk_outhdr, ioprio) F(virtio_blk_outhdr, sector) STRUCT_END();
    STRUCT_BEGIN(virtio_blk_discard_write_zeroes) F(virtio_blk_discard_write_zeroes, sector) F(virtio_blk_discard_write_zeroes, num_sectors)
        F(virtio_blk_discard_write_zeroes, flags) STRUCT_END();
    printf("\n  },\n  \"align_%s\": { %s },", sizeof(void *) == 8 ? "x86_64" : "x86_32", aligns);
    printf("\n  \"constants\": {");
    first = 1;
#include "virtio-constants.inc"
    printf("\n  },\n  \"vring\": [");
    static const unsigned nums[] = { 1, 2, 3, 4, 8, 16, 64, 128, 256, 1024, 32768 };
    static const unsigned long aligns[] = { 2, 4, 16, 64, 4096 };
    first = 1;
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        for (size_t j = 0; j < sizeof aligns / sizeof aligns[0]; j++) {
            static unsigned char mem[1 << 20] __attribute__((aligned(4096)));
            struct vring v;
            vring_init(&v, nums[i], mem, aligns[j]);
            sep();
            printf("\n    { \"num\": %u, \"align\": %lu, \"size\": %u, \"desc\": %td, \"avail\": %td, \"used\": %td, \"used_event\": %td, \"avail_event\": %td }",
                   nums[i], aligns[j], vring_size(nums[i], aligns[j]),
                   (unsigned char *)v.desc - mem, (unsigned char *)v.avail - mem, (unsigned char *)v.used - mem,
                   (unsigned char *)&vring_used_event(&v) - mem, (unsigned char *)&vring_avail_event(&v) - mem);
        }
    }
    printf("\n  ],\n  \"need_event\": [");
    /* rows [event, new, old, result]: old around 0, 0x7fff and the wrap; new - old in 0..3 and 300; event near both */
    static const unsigned olds[] = { 0, 1, 0x7ffe, 0xfffd, 0xfffe, 0xffff };
    static const unsigned deltas[] = { 0, 1, 2, 3, 300 };
    first = 1;
    for (size_t i = 0; i < sizeof olds / sizeof olds[0]; i++) {
        for (size_t j = 0; j < sizeof deltas / sizeof deltas[0]; j++) {
            uint16_t old = (uint16_t)olds[i], nw = (uint16_t)(olds[i] + deltas[j]);
            for (int e = -3; e <= (int)deltas[j] + 2; e++) {
                if (deltas[j] == 300 && e > 2 && e < 297) continue;
                uint16_t ev = (uint16_t)(old + e);
                sep();
                printf("%s[%u, %u, %u, %d]", (first ? "" : ""), ev, nw, old, vring_need_event(ev, nw, old));
            }
        }
    }
    printf("\n  ],");
    script();
    printf("\n}\n");
    return 0;
}
