/*
 * C baseline for test/bench/codec-bench.ts: the same work on the same structs from Xen's headers.
 *  encode: a values record -> memset(0) + member assignment into a ring slot (what a C frontend does)
 *  decode: a ring slot -> every member copied out into a values record
 *  view:   members read in place through a pointer into the slot
 * Prints one JSON object of nanoseconds per operation.
 */
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xen/io/blkif.h>
#include <xen/io/netif.h>

#define SLOTS 64
#define BARRIER() __asm__ volatile("" ::: "memory")

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static struct blkif_request blk_vals[SLOTS], blk_ring[SLOTS], blk_out[SLOTS];
static struct netif_tx_request tx_vals[SLOTS], tx_ring[SLOTS], tx_out[SLOTS];

static void encode_blk(struct blkif_request *dst, const struct blkif_request *v) {
  memset(dst, 0, sizeof(*dst));
  dst->operation = v->operation;
  dst->nr_segments = v->nr_segments;
  dst->handle = v->handle;
  dst->id = v->id;
  dst->sector_number = v->sector_number;
  for (int s = 0; s < BLKIF_MAX_SEGMENTS_PER_REQUEST; s++) {
    dst->seg[s].gref = v->seg[s].gref;
    dst->seg[s].first_sect = v->seg[s].first_sect;
    dst->seg[s].last_sect = v->seg[s].last_sect;
  }
}

/*
 * Why each loop is the same work as the TypeScript side (read with gcc -O2 -S: every loop keeps its loads
 * and stores; BARRIER() is a compiler barrier with a memory clobber, so stores before it must happen and
 * memory cannot be assumed unchanged after it):
 *  encode: memset + 38 member stores into blk_out[], a static array the compiler cannot elide
 *          (ringwire's encode validates each member's range as well, which C's types do for free).
 *  decode: every member of the slot copied out into blk_out[] (memcpy of the whole struct: the loads and
 *          stores of all 38 members, 112 bytes), then BARRIER(); ringwire builds a record object of all 38.
 *  view:   26 members read in place through a volatile pointer (id, sector_number, nr_segments, operation,
 *          and gref + last_sect of each of the 11 segments): 26 loads a compiler cannot merge or skip.
 * usage: codec-bench N RUNS -> one JSON object of arrays, ns per operation for each run.
 */
int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 20000000;
  int runs = argc > 2 ? atoi(argv[2]) : 5;
  for (int i = 0; i < SLOTS; i++) {
    blk_vals[i].operation = 1; blk_vals[i].nr_segments = 11; blk_vals[i].handle = (uint16_t)i;
    blk_vals[i].id = 0x0807060504030201ull + (uint64_t)i; blk_vals[i].sector_number = (uint64_t)i * 8;
    for (int s = 0; s < 11; s++) { blk_vals[i].seg[s].gref = (grant_ref_t)(i * 16 + s); blk_vals[i].seg[s].first_sect = 0; blk_vals[i].seg[s].last_sect = 7; }
    tx_vals[i].gref = (grant_ref_t)i; tx_vals[i].offset = 64; tx_vals[i].flags = 0; tx_vals[i].id = (uint16_t)i; tx_vals[i].size = 1514;
    encode_blk(&blk_ring[i], &blk_vals[i]);
    tx_ring[i] = tx_vals[i];
  }
  uint64_t sink = 0;
  double t0, t1;
  printf("{");
  for (int run = 0; run < runs; run++) {
    t0 = now_ns();
    for (long i = 0; i < n; i++) { encode_blk(&blk_out[i & (SLOTS - 1)], &blk_vals[i & (SLOTS - 1)]); BARRIER(); }
    t1 = now_ns();
    double blk_encode = (t1 - t0) / (double)n;

    t0 = now_ns();
    for (long i = 0; i < n; i++) { memcpy(&blk_out[i & (SLOTS - 1)], &blk_ring[i & (SLOTS - 1)], sizeof(struct blkif_request)); BARRIER(); }
    t1 = now_ns();
    double blk_decode = (t1 - t0) / (double)n;

    t0 = now_ns();
    for (long i = 0; i < n; i++) {
      const volatile struct blkif_request *r = &blk_ring[i & (SLOTS - 1)];
      uint64_t acc = r->id + r->sector_number + r->nr_segments + r->operation;
      for (int s = 0; s < 11; s++) acc += r->seg[s].gref + r->seg[s].last_sect;
      sink += acc;
    }
    t1 = now_ns();
    double blk_view = (t1 - t0) / (double)n;

    t0 = now_ns();
    for (long i = 0; i < n; i++) {
      struct netif_tx_request *d = &tx_out[i & (SLOTS - 1)]; const struct netif_tx_request *v = &tx_vals[i & (SLOTS - 1)];
      memset(d, 0, sizeof(*d)); d->gref = v->gref; d->offset = v->offset; d->flags = v->flags; d->id = v->id; d->size = v->size; BARRIER();
    }
    t1 = now_ns();
    double tx_encode = (t1 - t0) / (double)n;

    t0 = now_ns();
    for (long i = 0; i < n; i++) { memcpy(&tx_out[i & (SLOTS - 1)], &tx_ring[i & (SLOTS - 1)], sizeof(struct netif_tx_request)); BARRIER(); }
    t1 = now_ns();
    double tx_decode = (t1 - t0) / (double)n;

    t0 = now_ns();
    for (long i = 0; i < n; i++) {
      const volatile struct netif_tx_request *r = &tx_ring[i & (SLOTS - 1)];
      sink += r->gref + r->offset + r->flags + r->id + r->size;
    }
    t1 = now_ns();
    double tx_view = (t1 - t0) / (double)n;
    printf("%s\"%d\":{\"blkif_request\":{\"encode\":%.3f,\"decode\":%.3f,\"view\":%.3f},"
           "\"netif_tx_request\":{\"encode\":%.3f,\"decode\":%.3f,\"view\":%.3f}}",
           run == 0 ? "" : ",", run, blk_encode, blk_decode, blk_view, tx_encode, tx_decode, tx_view);
  }
  printf(",\"sink\":%llu}\n", (unsigned long long)(sink & 1));
  return 0;
}
