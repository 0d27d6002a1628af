/*
 * ringgrab: test tooling for ringwire (not part of the package). Run in a Xen backend domain (dom0) as root:
 *
 *   ringgrab LABEL FRONTEND_PATH      e.g. ringgrab inflight /local/domain/1/device/vbd/51712
 *
 * Prints, on stdout, the xenstore tree of the frontend directory and of the backend directory it names, then maps
 * every shared ring page the frontend granted (keys ring-ref, ring-refN, tx-ring-ref, rx-ring-ref, ctrl-ring-ref,
 * also under queue-N/) READ-ONLY through /dev/xen/gntdev (libxengnttab), copies them all, and prints each page as
 * one base64 line with its CRC-32. Output grammar (one record per line, all lines start with "@rg "):
 *   @rg begin LABEL DOMID FRONTEND_PATH MONOTONIC_NS
 *   @rg xs PATH VALUE            VALUE with bytes outside 0x21..0x7e written as \xNN
 *   @rg page KEY GREF CRC32HEX BASE64
 *   @rg end LABEL
 * Errors go to stderr as "ringgrab: message" and the exit code is 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <xengnttab.h>
#include <xenstore.h>

#define PAGE 4096
#define MAX_PAGES 64

static struct xs_handle *xs;

static void die(const char *what) {
    fprintf(stderr, "ringgrab: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void put_escaped(const char *v, unsigned len) {
    for (unsigned i = 0; i < len; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c > 0x20 && c < 0x7f && c != '\\') putchar(c); else printf("\\x%02x", c);
    }
}

static void dump_tree(const char *path) {
    unsigned len = 0, n = 0;
    char *v = xs_read(xs, XBT_NULL, path, &len);
    if (v) {
        printf("@rg xs %s ", path);
        put_escaped(v, len);
        putchar('\n');
        free(v);
    }
    char **kids = xs_directory(xs, XBT_NULL, path, &n);
    if (!kids) return;
    for (unsigned i = 0; i < n; i++) {
        char sub[512];
        snprintf(sub, sizeof sub, "%s/%s", path, kids[i]);
        dump_tree(sub);
    }
    free(kids);
}

static uint32_t crc32(const unsigned char *p, size_t n) {
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & -(c & 1));
    }
    return ~c;
}

static void put_base64(const unsigned char *p, size_t n) {
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        uint32_t w = (uint32_t)p[i] << 16 | (i + 1 < n ? p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
        putchar(a[w >> 18 & 63]);
        putchar(a[w >> 12 & 63]);
        putchar(i + 1 < n ? a[w >> 6 & 63] : '=');
        putchar(i + 2 < n ? a[w & 63] : '=');
    }
}

static int is_ring_key(const char *k) {
    if (!strcmp(k, "tx-ring-ref") || !strcmp(k, "rx-ring-ref") || !strcmp(k, "ctrl-ring-ref")) return 1;
    if (strncmp(k, "ring-ref", 8)) return 0;
    for (const char *d = k + 8; *d; d++)
        if (*d < '0' || *d > '9') return 0;
    return 1;
}

struct grab { char key[128]; uint32_t gref; unsigned char data[PAGE]; };
static struct grab grabs[MAX_PAGES];
static unsigned ngrabs;

static void collect(const char *front, const char *rel) {
    char dir[512];
    unsigned n = 0;
    snprintf(dir, sizeof dir, "%s%s%s", front, *rel ? "/" : "", rel);
    char **kids = xs_directory(xs, XBT_NULL, dir, &n);
    if (!kids) return;
    for (unsigned i = 0; i < n; i++) {
        char relkey[128];
        snprintf(relkey, sizeof relkey, "%s%s%s", rel, *rel ? "/" : "", kids[i]);
        if (!*rel && !strncmp(kids[i], "queue-", 6)) { collect(front, relkey); continue; }
        if (!is_ring_key(kids[i])) continue;
        char full[640];
        unsigned len = 0;
        snprintf(full, sizeof full, "%s/%s", front, relkey);
        char *v = xs_read(xs, XBT_NULL, full, &len);
        if (!v) die(full);
        if (ngrabs == MAX_PAGES) { fprintf(stderr, "ringgrab: more than %d ring pages\n", MAX_PAGES); exit(1); }
        snprintf(grabs[ngrabs].key, sizeof grabs[ngrabs].key, "%s", relkey);
        grabs[ngrabs++].gref = (uint32_t)strtoul(v, NULL, 10);
        free(v);
    }
    free(kids);
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: ringgrab LABEL FRONTEND_PATH\n"); return 2; }
    const char *label = argv[1], *front = argv[2];
    unsigned domid;
    if (sscanf(front, "/local/domain/%u/", &domid) != 1) { fprintf(stderr, "ringgrab: %s: not /local/domain/DOMID/...\n", front); return 2; }
    xs = xs_open(0);
    if (!xs) die("xs_open");
    collect(front, "");
    if (!ngrabs) { fprintf(stderr, "ringgrab: %s: no ring-ref keys\n", front); return 1; }
    xengnttab_handle *gt = xengnttab_open(NULL, 0);
    if (!gt) die("xengnttab_open");
    /* Map everything first, then copy everything, so the pages of one ring are read as close together as possible. */
    void *maps[MAX_PAGES];
    for (unsigned i = 0; i < ngrabs; i++) {
        maps[i] = xengnttab_map_grant_ref(gt, domid, grabs[i].gref, PROT_READ);
        if (!maps[i]) die(grabs[i].key);
    }
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    for (unsigned i = 0; i < ngrabs; i++) memcpy(grabs[i].data, maps[i], PAGE);
    for (unsigned i = 0; i < ngrabs; i++) xengnttab_unmap(gt, maps[i], 1);
    xengnttab_close(gt);
    printf("@rg begin %s %u %s %llu\n", label, domid, front, (unsigned long long)ts.tv_sec * 1000000000ull + ts.tv_nsec);
    dump_tree(front);
    char bpath[256] = "";
    {
        char k[600];
        unsigned len = 0;
        snprintf(k, sizeof k, "%s/backend", front);
        char *b = xs_read(xs, XBT_NULL, k, &len);
        if (b) { snprintf(bpath, sizeof bpath, "%s", b); free(b); dump_tree(bpath); }
    }
    for (unsigned i = 0; i < ngrabs; i++) {
        printf("@rg page %s %u %08x ", grabs[i].key, grabs[i].gref, crc32(grabs[i].data, PAGE));
        put_base64(grabs[i].data, PAGE);
        putchar('\n');
    }
    printf("@rg end %s\n", label);
    xs_close(xs);
    return fflush(stdout) ? 1 : 0;
}
