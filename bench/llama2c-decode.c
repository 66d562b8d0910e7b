/*
 * Reference timing for the engine benchmark: one-thread fp32 LLaMA decoding written the way
 * llama2.c's run.c does it (a plain loop per matrix-vector product, built with -Ofast like its
 * `make runfast`), over random weights of a given shape. It decodes `prompt` positions untimed,
 * then times `steps` more, so that it does the same work as `bench --random SHAPE --threads 1`
 * (64 prompt tokens, then 128 decoded ones).
 *
 *   gcc -Ofast -o llama2c-decode llama2c-decode.c -lm
 *   ./llama2c-decode [dim hidden layers heads vocab [prompt steps]]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static float *random_floats(size_t n) {
    float *p = malloc(n * sizeof(float));
    if (!p) { perror("malloc"); exit(1); }
    for (size_t i = 0; i < n; i++) p[i] = (float) ((rand() % 2001) - 1000) * 1e-5f;
    return p;
}

/* out[d] = w[d][n] . x[n] */
static void matvec(float *out, const float *x, const float *w, int n, int d) {
    for (int i = 0; i < d; i++) {
        const float *row = w + (size_t) i * n;
        float sum = 0.0f;
        for (int j = 0; j < n; j++) sum += row[j] * x[j];
        out[i] = sum;
    }
}

static void rmsnorm(float *out, const float *x, const float *gain, int n) {
    float ss = 0.0f;
    for (int j = 0; j < n; j++) ss += x[j] * x[j];
    float scale = 1.0f / sqrtf(ss / n + 1e-5f);
    for (int j = 0; j < n; j++) out[j] = gain[j] * (scale * x[j]);
}

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/* CPU time of this thread: unlike wall time, it leaves out the waits for a core on a shared machine. */
static double cpu_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    int dim = 288, hidden = 768, layers = 6, heads = 6, vocab = 32000, prompt = 64, steps = 128;
    if (argc >= 6) {
        dim = atoi(argv[1]); hidden = atoi(argv[2]); layers = atoi(argv[3]);
        heads = atoi(argv[4]); vocab = atoi(argv[5]);
    }
    if (argc >= 8) { prompt = atoi(argv[6]); steps = atoi(argv[7]); }
    int seq = prompt + steps, head = dim / heads;
    size_t dd = (size_t) dim * dim, dh = (size_t) dim * hidden;

    float *embed = random_floats((size_t) vocab * dim), *classifier = random_floats((size_t) vocab * dim);
    float *wq = random_floats(layers * dd), *wk = random_floats(layers * dd), *wv = random_floats(layers * dd);
    float *wo = random_floats(layers * dd), *gate = random_floats(layers * dh), *up = random_floats(layers * dh);
    float *down = random_floats(layers * dh), *attn_norm = random_floats((size_t) layers * dim);
    float *ffn_norm = random_floats((size_t) layers * dim), *final_norm = random_floats(dim);
    float *x = calloc(dim, 4), *xb = calloc(dim, 4), *xb2 = calloc(dim, 4), *q = calloc(dim, 4);
    float *hb = calloc(hidden, 4), *hb2 = calloc(hidden, 4), *att = calloc(seq, 4), *logits = calloc(vocab, 4);
    float *kcache = calloc((size_t) layers * seq * dim, 4), *vcache = calloc((size_t) layers * seq * dim, 4);

    int token = 1;
    double start = 0, cpu_start = 0;
    for (int pos = 0; pos < seq; pos++) {
        if (pos == prompt) { start = seconds(); cpu_start = cpu_seconds(); }
        memcpy(x, embed + (size_t) token * dim, dim * sizeof(float));
        for (int l = 0; l < layers; l++) {
            float *kc = kcache + (size_t) l * seq * dim, *vc = vcache + (size_t) l * seq * dim;
            float *k = kc + (size_t) pos * dim, *v = vc + (size_t) pos * dim;
            rmsnorm(xb, x, attn_norm + (size_t) l * dim, dim);
            matvec(q, xb, wq + l * dd, dim, dim);
            matvec(k, xb, wk + l * dd, dim, dim);
            matvec(v, xb, wv + l * dd, dim, dim);
            for (int i = 0; i < dim; i += 2) {
                float angle = pos / powf(10000.0f, (float) (i % head) / head);
                float c = cosf(angle), s = sinf(angle), q0 = q[i], q1 = q[i + 1], k0 = k[i], k1 = k[i + 1];
                q[i] = q0 * c - q1 * s; q[i + 1] = q0 * s + q1 * c;
                k[i] = k0 * c - k1 * s; k[i + 1] = k0 * s + k1 * c;
            }
            for (int h = 0; h < heads; h++) {
                float *qh = q + h * head, *out = xb + h * head, max = -INFINITY, sum = 0.0f;
                for (int t = 0; t <= pos; t++) {
                    const float *kt = kc + (size_t) t * dim + h * head;
                    float score = 0.0f;
                    for (int i = 0; i < head; i++) score += qh[i] * kt[i];
                    att[t] = score / sqrtf((float) head);
                    if (att[t] > max) max = att[t];
                }
                for (int t = 0; t <= pos; t++) { att[t] = expf(att[t] - max); sum += att[t]; }
                memset(out, 0, head * sizeof(float));
                for (int t = 0; t <= pos; t++) {
                    const float *vt = vc + (size_t) t * dim + h * head;
                    float a = att[t] / sum;
                    for (int i = 0; i < head; i++) out[i] += a * vt[i];
                }
            }
            matvec(xb2, xb, wo + l * dd, dim, dim);
            for (int i = 0; i < dim; i++) x[i] += xb2[i];
            rmsnorm(xb, x, ffn_norm + (size_t) l * dim, dim);
            matvec(hb, xb, gate + l * dh, dim, hidden);
            matvec(hb2, xb, up + l * dh, dim, hidden);
            for (int i = 0; i < hidden; i++) hb[i] = hb[i] / (1.0f + expf(-hb[i])) * hb2[i];
            matvec(xb, hb, down + l * dh, hidden, dim);
            for (int i = 0; i < dim; i++) x[i] += xb[i];
        }
        rmsnorm(x, x, final_norm, dim);
        matvec(logits, x, classifier, dim, vocab);
        int best = 0;
        for (int i = 1; i < vocab; i++) if (logits[i] > logits[best]) best = i;
        token = best;
    }
    double wall = seconds() - start, cpu = cpu_seconds() - cpu_start;
    printf("decode %.1f tokens/s (%d tokens after %d untimed; %.1f tokens per CPU-second)\n", steps / wall, steps, prompt,
           steps / cpu);
    return 0;
}
