/* rng.h — random numbers for the engine, one interface over two sources:
 *
 *   seeded: xoshiro256** with its state filled by splitmix64 from a 64-bit
 *           seed. Dry-runs use it: the same seed gives the same sequence on
 *           every machine and compiler (fixed-width integer arithmetic only).
 *   system: the kernel's generator through getrandom(2), read 256 bytes at
 *           a time. Live runs use it: red-packet shares must not be
 *           predictable from earlier ones.
 *
 * On top of either: 64-bit words, unbiased integers in [lo, hi] (rejection
 * sampling, no modulo bias) and doubles in [0, 1). A generator is a plain
 * value owned by one thread; it is not locked. Do not fork with a system
 * generator that has buffered bytes unless the child re-inits it (both
 * processes would hand out the same bytes).
 * Uses getrandom(2) and nothing else from the project but err.h. */
#ifndef QUN_RNG_H
#define QUN_RNG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum qun_rng_mode { QUN_RNG_SEEDED, QUN_RNG_SYSTEM };

/* Where a system generator reads its bytes: the contract of getrandom(2)
 * with flags 0 (bytes read, possibly fewer than asked, or -1 with errno
 * set; EINTR is retried). NULL means getrandom itself; tests pass their
 * own to play short reads, interruptions and failures. */
typedef ssize_t (*qun_rng_read_fn)(void *buf, size_t len);

#define QUN_RNG_BUF_WORDS 32 /* 256 bytes: getrandom's uninterruptible size */

struct qun_rng {
  enum qun_rng_mode mode;
  int err;                         /* 0, or QUN_EIO once the source failed */
  uint64_t s[4];                   /* seeded: xoshiro256** state */
  qun_rng_read_fn read;            /* system: the byte source */
  unsigned pos;                    /* system: next unused word of buf */
  uint64_t buf[QUN_RNG_BUF_WORDS]; /* system: bytes not handed out yet */
};

/* A seeded generator. Never fails; every seed (0 too) is fine. */
void qun_rng_seed(struct qun_rng *r, uint64_t seed);
/* A system generator. Reads its first buffer now, so that a kernel without
 * getrandom or a seccomp filter that forbids it is reported here as
 * QUN_EIO, not at the first red packet; else 0. */
int qun_rng_init_system(struct qun_rng *r);
int qun_rng_init_source(struct qun_rng *r, qun_rng_read_fn read);

/* 0, or QUN_EIO if a system generator's source has failed since init (a
 * read error other than EINTR). Sticky until the next init: check it after
 * drawing what must be random; the words drawn since the failure are 0
 * and mean nothing. qun_rng_uniform() never loops on a failed source. */
static inline int qun_rng_error(const struct qun_rng *r) { return r->err; }

/* The next 64 random bits. */
uint64_t qun_rng_u64(struct qun_rng *r);
/* An integer in [lo, hi], both included, each value equally likely: the
 * full int64 range and lo == hi (returns lo, draws nothing) are fine.
 * lo > hi is a caller bug: returns lo and draws nothing. Lemire's
 * multiply-and-reject, so the result is the same on every machine for a
 * given seed; usually one word per call, never more than two on average. */
int64_t qun_rng_uniform(struct qun_rng *r, int64_t lo, int64_t hi);
/* A double in [0, 1): the top 53 bits of one word, times 2^-53. */
double qun_rng_double(struct qun_rng *r);

#endif
