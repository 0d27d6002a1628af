/*
 * xen-ring-bench.c - C baseline for test/bench/xen-ring-bench.ts: a blkif frontend and backend in two
 * pthreads on one order-0 ring (x86_64), driven by the real ring.h macros with the same loop and the same
 * notification scheme as the TypeScript workers (test/xen/workers/blkif-*-worker.ts):
 *   - each side pushes with RING_PUSH_*_AND_CHECK_NOTIFY and, when told to, bumps a 32-bit event word and
 *     calls FUTEX_WAKE on it (what Atomics.add + Atomics.notify do);
 *   - a side with nothing to do reads the event word, runs RING_FINAL_CHECK_FOR_*, and only then sleeps
 *     with FUTEX_WAIT on the value it read (what Atomics.wait does).
 * usage: xen-ring-bench BATCH TOTAL   -> prints "requests seconds"
 * Two decompositions of that figure, each matched by a TypeScript row (xen-ring-bench.ts):
 *   xen-ring-bench single BATCH TOTAL  the same requests, checks and responses with both ends in one thread
 *                                      (front queues BATCH, back answers them, front collects): the CPU work
 *                                      per request, no wake-ups -> prints "requests seconds"
 *   xen-ring-bench pingpong N          two threads waking each other N times in turn through two event
 *                                      words (evt_notify / evt_wait below): the wake-up alone, no ring
 *                                      -> prints "N seconds"
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>
#include <sys/syscall.h>

#define mb()  __sync_synchronize()
#define rmb() __sync_synchronize()
#define wmb() __sync_synchronize()
#include <xen/io/ring.h>
#include <xen/io/blkif.h>

static uint8_t page[4096] __attribute__((aligned(4096)));
static uint32_t evt_to_back, evt_to_front, done_flag;
static unsigned batch, total;
static unsigned long long payload_errors;

static void evt_notify(uint32_t *w) {
    __atomic_fetch_add(w, 1, __ATOMIC_SEQ_CST);
    syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, 0x7fffffff, NULL, NULL, 0);
}
static void evt_wait(uint32_t *w, uint32_t seen) {
    struct timespec ts = { 5, 0 };
    syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, seen, &ts, NULL, 0);
}

/* The request front_main builds for number id (the same payload the TypeScript workers use). */
static void fill_request(blkif_request_t *req, unsigned id) {
    unsigned nseg = id % 11 + 1;
    memset(req, 0, sizeof *req);
    req->operation = id % 3 == 0 ? BLKIF_OP_WRITE : BLKIF_OP_READ;
    req->nr_segments = nseg; req->handle = id & 0xffff; req->id = id; req->sector_number = (uint64_t)id * 8;
    for (unsigned j = 0; j < nseg; j++) { req->seg[j].gref = id * 13 + j; req->seg[j].first_sect = j % 8; req->seg[j].last_sect = 7; }
}

/* The frontend queues up to `batch` requests (as the ring and `total` allow); returns how many. */
static unsigned produce(blkif_front_ring_t *f, unsigned *produced) {
    unsigned k = batch, fr = RING_FREE_REQUESTS(f);
    if (k > fr) k = fr;
    if (k > total - *produced) k = total - *produced;
    for (unsigned i = 0; i < k; i++, (*produced)++) {
        blkif_request_t req;
        fill_request(&req, *produced);
        *RING_GET_REQUEST(f, f->req_prod_pvt) = req;
        f->req_prod_pvt++;
    }
    return k;
}

/* The backend copies, checks and answers `n` requests. */
static void answer(blkif_back_ring_t *b, unsigned n) {
    for (unsigned i = 0; i < n; i++, b->req_cons++) {
        blkif_request_t req;
        RING_COPY_REQUEST(b, b->req_cons, &req);
        unsigned id = (unsigned)req.id, ok = req.sector_number == (uint64_t)id * 8 && req.nr_segments == id % 11 + 1;
        for (unsigned j = 0; ok && j < req.nr_segments; j++) ok = req.seg[j].gref == id * 13 + j && req.seg[j].first_sect == j % 8 && req.seg[j].last_sect == 7;
        blkif_response_t *rsp = RING_GET_RESPONSE(b, b->rsp_prod_pvt);
        rsp->id = req.id; rsp->operation = req.operation; rsp->status = ok ? BLKIF_RSP_OKAY : BLKIF_RSP_ERROR;
        b->rsp_prod_pvt++;
    }
}

/* The frontend collects every published response; returns how many. */
static unsigned collect(blkif_front_ring_t *f) {
    RING_IDX prod = __atomic_load_n(&f->sring->rsp_prod, __ATOMIC_SEQ_CST);
    unsigned got = 0;
    for (; f->rsp_cons != prod; f->rsp_cons++, got++) {
        blkif_response_t rsp;
        RING_COPY_RESPONSE(f, f->rsp_cons, &rsp);
        if (rsp.status != BLKIF_RSP_OKAY) payload_errors++;
    }
    return got;
}

static void *front_main(void *arg) {
    (void)arg;
    blkif_front_ring_t f;
    FRONT_RING_INIT(&f, (blkif_sring_t *)page, sizeof page);
    unsigned produced = 0, completed = 0;
    while (completed < total) {
        unsigned k = produce(&f, &produced);
        int notify;
        if (k > 0) { RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&f, notify); if (notify) evt_notify(&evt_to_back); }
        for (;;) {
            unsigned got = collect(&f);
            completed += got;
            if (got > 0 || completed >= total) break;
            if (produced < total && !RING_FULL(&f)) break;
            uint32_t seen = __atomic_load_n(&evt_to_front, __ATOMIC_SEQ_CST);
            int work;
            RING_FINAL_CHECK_FOR_RESPONSES(&f, work);
            if (work) continue;
            evt_wait(&evt_to_front, seen);
        }
    }
    __atomic_store_n(&done_flag, 1, __ATOMIC_SEQ_CST);
    evt_notify(&evt_to_back);
    return NULL;
}

static void *back_main(void *arg) {
    (void)arg;
    blkif_back_ring_t b;
    BACK_RING_INIT(&b, (blkif_sring_t *)page, sizeof page);
    for (;;) {
        unsigned n = XEN_RING_NR_UNCONSUMED_REQUESTS(&b);
        if (n == 0) {
            uint32_t seen = __atomic_load_n(&evt_to_back, __ATOMIC_SEQ_CST);
            int work;
            RING_FINAL_CHECK_FOR_REQUESTS(&b, work);
            if (work) continue;
            if (__atomic_load_n(&done_flag, __ATOMIC_SEQ_CST)) break;
            evt_wait(&evt_to_back, seen);
            continue;
        }
        answer(&b, n);
        int notify;
        RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&b, notify);
        if (notify) evt_notify(&evt_to_front);
    }
    return NULL;
}

/* single: front_main's and back_main's ring work for each batch in turn, in one thread. */
static double run_single(void) {
    blkif_front_ring_t f;
    blkif_back_ring_t b;
    FRONT_RING_INIT(&f, (blkif_sring_t *)page, sizeof page);
    BACK_RING_INIT(&b, (blkif_sring_t *)page, sizeof page);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    unsigned produced = 0, completed = 0;
    while (completed < total) {
        produce(&f, &produced);
        int notify;
        RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&f, notify);
        answer(&b, XEN_RING_NR_UNCONSUMED_REQUESTS(&b));
        RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&b, notify);
        (void)notify; /* one thread: nobody to wake */
        completed += collect(&f);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
}

/* pingpong: thread "back" answers each wake-up on evt_to_back with one on evt_to_front, `total` times. */
static void *pong_main(void *arg) {
    (void)arg;
    uint32_t seen = 0;
    for (unsigned i = 0; i < total; i++) {
        while (__atomic_load_n(&evt_to_back, __ATOMIC_SEQ_CST) == seen) evt_wait(&evt_to_back, seen);
        seen++;
        evt_notify(&evt_to_front);
    }
    return NULL;
}

static double run_pingpong(void) {
    pthread_t bt;
    pthread_create(&bt, NULL, pong_main, NULL);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint32_t seen = 0;
    for (unsigned i = 0; i < total; i++) {
        evt_notify(&evt_to_back);
        while (__atomic_load_n(&evt_to_front, __ATOMIC_SEQ_CST) == seen) evt_wait(&evt_to_front, seen);
        seen++;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    pthread_join(bt, NULL);
    return (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "pingpong") == 0) {
        total = (unsigned)strtoul(argv[2], NULL, 0);
        printf("%u %.6f\n", total, run_pingpong());
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "single") == 0) {
        batch = (unsigned)strtoul(argv[2], NULL, 0);
        total = (unsigned)strtoul(argv[3], NULL, 0);
        SHARED_RING_INIT((blkif_sring_t *)page);
        double s = run_single();
        if (payload_errors) { fprintf(stderr, "%llu payload errors\n", payload_errors); return 1; }
        printf("%u %.6f\n", total, s);
        return 0;
    }
    if (argc != 3) { fprintf(stderr, "usage: %s BATCH TOTAL | single BATCH TOTAL | pingpong N\n", argv[0]); return 2; }
    batch = (unsigned)strtoul(argv[1], NULL, 0);
    total = (unsigned)strtoul(argv[2], NULL, 0);
    SHARED_RING_INIT((blkif_sring_t *)page);
    struct timespec t0, t1;
    pthread_t ft, bt;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pthread_create(&bt, NULL, back_main, NULL);
    pthread_create(&ft, NULL, front_main, NULL);
    pthread_join(ft, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    pthread_join(bt, NULL);
    if (payload_errors) { fprintf(stderr, "%llu payload errors\n", payload_errors); return 1; }
    printf("%u %.6f\n", total, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
    return 0;
}
