/*
 * virtio-bench.c - C baseline for test/bench/virtio-bench.ts: the same single-thread round trip
 * (driver add, device pop + chain walk, device push used, driver reclaim) on linux/virtio_ring.h structs,
 * for split and packed rings and 1- and 3-descriptor chains. Prints one JSON object of ns per round trip.
 * Bookkeeping mirrors ringwire's drivers (private free list / id list) and devices (bounds-checked walk).
 *
 * Equal work, checked in the assembly (gcc -O2 -S): every round trip stores each descriptor, the avail entry
 * and idx, reads them back after the acquire load of the index (gcc does not carry values across __atomic
 * acquire/release, so the device's and the driver's reads are real loads of mem[], not values forwarded
 * from the stores), walks the chain with its bounds and length checks, writes the used element and idx, and
 * reads it back; `sink` is volatile, so the reclaimed len is used and nothing is dropped as dead code. The
 * loops over descriptors and over the free list stay loops. ringwire does more checking per round trip than
 * this (the index-backwards, head-state, len-versus-writable, read-after-write and 2^32 rules, guest-memory
 * region lookup), none of which C is charged for: the ratio is against this lighter C.
 */
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <stdlib.h>
#include <linux/virtio_ring.h>

#define QSZ 256
static unsigned char mem[1 << 20] __attribute__((aligned(4096)));
static volatile uint64_t sink;

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

/* ---- split ---- */
static struct vring vr;
static uint16_t free_next[QSZ], free_head, num_free, avail_idx, last_used, last_avail, used_idx, chain_len[QSZ];

static void split_init(void) {
    memset(mem, 0, sizeof mem);
    vring_init(&vr, QSZ, mem, 4096);
    for (int i = 0; i < QSZ; i++) free_next[i] = (uint16_t)((i + 1) % QSZ);
    free_head = 0; num_free = QSZ; avail_idx = last_used = last_avail = used_idx = 0;
}

static int split_round(int n) {
    /* driver add */
    uint16_t head = free_head, i = head;
    for (int k = 0; k < n; k++) {
        vr.desc[i].addr = 0x10000 + k * 0x100; vr.desc[i].len = 64;
        vr.desc[i].flags = (k == n - 1 ? VRING_DESC_F_WRITE : 0) | (k < n - 1 ? VRING_DESC_F_NEXT : 0);
        vr.desc[i].next = k < n - 1 ? free_next[i] : 0;
        i = free_next[i];
    }
    free_head = i; num_free -= n; chain_len[head] = n;
    vr.avail->ring[avail_idx % QSZ] = head;
    __atomic_store_n(&vr.avail->idx, ++avail_idx, __ATOMIC_RELEASE);
    /* device pop + walk */
    uint16_t aidx = __atomic_load_n(&vr.avail->idx, __ATOMIC_ACQUIRE);
    if ((uint16_t)(aidx - last_avail) > QSZ) return -1;
    uint16_t h = vr.avail->ring[last_avail % QSZ];
    if (h >= QSZ) return -1;
    uint32_t writable = 0; unsigned steps = 0;
    for (uint16_t d = h;;) {
        if (++steps > QSZ) return -1;
        struct vring_desc c = vr.desc[d];
        if (c.len == 0 || c.addr + c.len > sizeof mem) return -1;
        if (c.flags & VRING_DESC_F_WRITE) writable += c.len;
        if (!(c.flags & VRING_DESC_F_NEXT)) break;
        if (c.next >= QSZ) return -1;
        d = c.next;
    }
    last_avail++;
    /* device push used */
    vr.used->ring[used_idx % QSZ].id = h; vr.used->ring[used_idx % QSZ].len = writable;
    __atomic_store_n(&vr.used->idx, ++used_idx, __ATOMIC_RELEASE);
    /* driver reclaim */
    if (last_used == __atomic_load_n(&vr.used->idx, __ATOMIC_ACQUIRE)) return -1;
    struct vring_used_elem e = vr.used->ring[last_used % QSZ];
    if (e.id >= QSZ) return -1;
    uint16_t last = (uint16_t)e.id;
    for (int k = 1; k < chain_len[e.id]; k++) last = free_next[last];
    free_next[last] = free_head; free_head = (uint16_t)e.id; num_free += chain_len[e.id];
    last_used++;
    sink += e.len;
    return 0;
}

/* ---- packed ---- */
static struct vring_packed_desc *pd;
static uint16_t p_next_avail, p_avail_wrap, p_last_used, p_used_wrap, d_next_avail, d_avail_wrap, d_next_used, d_used_wrap;
static uint16_t id_free_next[QSZ], id_head, id_count[QSZ];
#define F_AVAIL (1 << VRING_PACKED_DESC_F_AVAIL)
#define F_USED (1 << VRING_PACKED_DESC_F_USED)

static void packed_init(void) {
    memset(mem, 0, sizeof mem);
    pd = (struct vring_packed_desc *)mem;
    p_next_avail = p_last_used = d_next_avail = d_next_used = 0;
    p_avail_wrap = p_used_wrap = d_avail_wrap = d_used_wrap = 1;
    for (int i = 0; i < QSZ; i++) id_free_next[i] = (uint16_t)(i + 1);
    id_head = 0;
}

static int packed_round(int n) {
    uint16_t id = id_head, head = p_next_avail, p = head, w = p_avail_wrap, head_flags = 0;
    for (int k = 0; k < n; k++) {
        uint16_t f = (k == n - 1 ? VRING_DESC_F_WRITE : 0) | (k < n - 1 ? VRING_DESC_F_NEXT : 0) | (w ? F_AVAIL : F_USED);
        pd[p].addr = 0x10000 + k * 0x100; pd[p].len = 64; pd[p].id = id;
        if (k == 0) head_flags = f; else __atomic_store_n(&pd[p].flags, f, __ATOMIC_RELEASE);
        if (++p == QSZ) { p = 0; w ^= 1; }
    }
    __atomic_store_n(&pd[head].flags, head_flags, __ATOMIC_RELEASE);
    id_head = id_free_next[id]; id_count[id] = n; p_next_avail = p; p_avail_wrap = w;
    /* device pop + walk */
    uint16_t dp = d_next_avail, dw = d_avail_wrap, bid = 0; uint32_t writable = 0; unsigned cnt = 0;
    for (;;) {
        if (cnt >= QSZ) return -1;
        uint16_t f = __atomic_load_n(&pd[dp].flags, __ATOMIC_ACQUIRE);
        if (!!(f & F_AVAIL) != dw || !!(f & F_USED) == dw) return -1;
        struct vring_packed_desc c = pd[dp];
        if (c.len == 0 || c.addr + c.len > sizeof mem) return -1;
        if (f & VRING_DESC_F_WRITE) writable += c.len;
        bid = c.id; cnt++;
        if (++dp == QSZ) { dp = 0; dw ^= 1; }
        if (!(f & VRING_DESC_F_NEXT)) break;
    }
    if (bid >= QSZ) return -1;
    d_next_avail = dp; d_avail_wrap = dw;
    /* device push used */
    pd[d_next_used].id = bid; pd[d_next_used].len = writable;
    __atomic_store_n(&pd[d_next_used].flags, (uint16_t)((d_used_wrap ? F_AVAIL | F_USED : 0) | VRING_DESC_F_WRITE), __ATOMIC_RELEASE);
    d_next_used += cnt; if (d_next_used >= QSZ) { d_next_used -= QSZ; d_used_wrap ^= 1; }
    /* driver reclaim */
    uint16_t f = __atomic_load_n(&pd[p_last_used].flags, __ATOMIC_ACQUIRE);
    if (!!(f & F_AVAIL) != !!(f & F_USED) || !!(f & F_USED) != p_used_wrap) return -1;
    uint16_t uid = pd[p_last_used].id;
    if (uid >= QSZ) return -1;
    sink += pd[p_last_used].len;
    p_last_used += id_count[uid]; if (p_last_used >= QSZ) { p_last_used -= QSZ; p_used_wrap ^= 1; }
    id_free_next[uid] = id_head; id_head = uid;
    return 0;
}

static double measure(int packed, int n, double seconds) {
    if (packed) packed_init(); else split_init();
    long iters = 0; double t0 = now(), t;
    do {
        for (int k = 0; k < 4096; k++) if ((packed ? packed_round(n) : split_round(n)) != 0) { fprintf(stderr, "round trip failed\n"); return -1; }
        iters += 4096;
    } while ((t = now()) - t0 < seconds);
    return (t - t0) * 1e9 / iters;
}

/* usage: virtio-bench SECONDS RUNS -> { "split1": [ns per round trip of each run], ... } */
int main(int argc, char **argv) {
    double s = argc > 1 ? atof(argv[1]) : 1.0;
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    static const char *names[4] = { "split1", "split3", "packed1", "packed3" };
    printf("{");
    for (int c = 0; c < 4; c++) {
        printf("%s\"%s\": [", c == 0 ? " " : ", ", names[c]);
        for (int r = 0; r < runs; r++) printf("%s%.2f", r == 0 ? "" : ", ", measure(c >= 2, c % 2 == 0 ? 1 : 3, s));
        printf("]");
    }
    printf(" }\n");
    return 0;
}
