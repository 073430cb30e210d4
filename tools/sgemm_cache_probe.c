/* How fast one single-threaded OpenBLAS sgemm runs when its A operand comes from cache or from memory: the
 * measurement behind the network's plane ring (README, Performance). Not part of the program.
 *
 *   gcc -O2 tools/sgemm_cache_probe.c -o /tmp/probe -I/usr/include/x86_64-linux-gnu/openblas-pthread -lopenblas
 *   /tmp/probe M N K REPS [CHUNKS]
 *
 * C (M x N) = A (M x K) B (K x N), row-major, best of REPS; with CHUNKS the M rows go in CHUNKS sgemm calls.
 * On the paper network's block 2 shape: `/tmp/probe 8000 80 576 10` (A = 18 MB, from memory) against
 * `/tmp/probe 400 80 576 300` (A = 0.9 MB, in cache), next to `/tmp/probe 2048 2048 2048 3`. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc < 5) { fprintf(stderr, "usage: %s M N K REPS [CHUNKS]\n", argv[0]); return 2; }
    int m = atoi(argv[1]), n = atoi(argv[2]), k = atoi(argv[3]), reps = atoi(argv[4]);
    int chunks = argc > 5 ? atoi(argv[5]) : 1;
    openblas_set_num_threads(1);
    float *a = malloc(sizeof(float) * (size_t)m * k), *b = malloc(sizeof(float) * (size_t)k * n);
    float *c = malloc(sizeof(float) * (size_t)m * n);
    if (!a || !b || !c) { fprintf(stderr, "out of memory\n"); return 1; }
    for (size_t i = 0; i < (size_t)m * k; i++) a[i] = (i % 7) * 0.1f;
    for (size_t i = 0; i < (size_t)k * n; i++) b[i] = (i % 5) * 0.1f;
    double best = 1e30;
    int per = m / chunks;
    for (int r = 0; r < reps; r++) {
        double t = now();
        for (int ch = 0; ch < chunks; ch++)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, per, n, k, 1, a + (size_t)ch * per * k, k, b, n,
                        0, c + (size_t)ch * per * n, n);
        t = now() - t;
        if (t < best) best = t;
    }
    printf("M=%d N=%d K=%d chunks=%d: %.1f GFLOP/s\n", m, n, k, chunks, 2.0 * per * chunks * n * k / best / 1e9);
    return 0;
}
