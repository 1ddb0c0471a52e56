/* rng.c — seeded and system random numbers (see rng.h).
 *
 * xoshiro256** and splitmix64 are Blackman and Vigna's public-domain
 * reference algorithms (prng.di.unimi.it), written out again here; the
 * tests pin their published outputs. */
#include "core/rng.h"
#include "core/err.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

/* ---- seeded: splitmix64 → xoshiro256** ---- */

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t xoshiro_next(uint64_t s[4]) {
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

void qun_rng_seed(struct qun_rng *r, uint64_t seed) {
  memset(r, 0, sizeof *r);
  r->mode = QUN_RNG_SEEDED;
  /* splitmix64 is a bijection of its counter, so at most one of four
   * consecutive outputs is 0: the state is never all zero. */
  uint64_t x = seed;
  for (int i = 0; i < 4; i++)
    r->s[i] = splitmix64(&x);
}

/* ---- system: getrandom(2), buffered ---- */

static ssize_t sys_getrandom(void *buf, size_t len) { return getrandom(buf, len, 0); }

/* Fills the whole buffer. Short reads continue where they stopped (a
 * getrandom of more than 256 bytes, or a test source, may return fewer);
 * EINTR is retried; anything else is a failure the caller must see. */
static int refill(struct qun_rng *r) {
  unsigned char *p = (unsigned char *)r->buf;
  size_t need = sizeof r->buf;
  while (need > 0) {
    ssize_t got = r->read(p, need);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0 || (size_t)got > need) {
      /* 0 bytes is not EOF for getrandom; a source that returns it would
       * spin here forever, so it counts as a failure too. */
      memset(r->buf, 0, sizeof r->buf);
      r->err = QUN_EIO;
      return QUN_EIO;
    }
    p += got;
    need -= (size_t)got;
  }
  r->pos = 0;
  return 0;
}

int qun_rng_init_source(struct qun_rng *r, qun_rng_read_fn read) {
  memset(r, 0, sizeof *r);
  r->mode = QUN_RNG_SYSTEM;
  r->read = read ? read : sys_getrandom;
  r->pos = QUN_RNG_BUF_WORDS;
  return refill(r);
}

int qun_rng_init_system(struct qun_rng *r) { return qun_rng_init_source(r, NULL); }

/* ---- one interface ---- */

uint64_t qun_rng_u64(struct qun_rng *r) {
  if (r->mode == QUN_RNG_SEEDED)
    return xoshiro_next(r->s);
  if (r->pos == QUN_RNG_BUF_WORDS && refill(r) < 0)
    return 0;
  uint64_t x = r->buf[r->pos];
  r->buf[r->pos++] = 0; /* a word handed out does not stay in memory */
  return x;
}

/* The 128-bit product a * b as two halves. The portable branch gives the
 * same bits as the __int128 one (tests/core/test-rng-portable.c), so a
 * seed means the same shares on compilers without __int128. */
static inline void mul64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo) {
#if defined(__SIZEOF_INT128__) && !defined(QUN_RNG_NO_INT128)
  unsigned __int128 m = (unsigned __int128)a * b;
  *hi = (uint64_t)(m >> 64);
  *lo = (uint64_t)m;
#else
  uint64_t a0 = a & 0xffffffffu, a1 = a >> 32, b0 = b & 0xffffffffu, b1 = b >> 32;
  uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  uint64_t mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);
  *hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
  *lo = a * b;
#endif
}

/* uint64 → int64 by two's complement, without the implementation-defined
 * conversion of values past INT64_MAX. */
static inline int64_t to_i64(uint64_t u) {
  return u <= (uint64_t)INT64_MAX ? (int64_t)u : -(int64_t)(UINT64_MAX - u) - 1;
}

int64_t qun_rng_uniform(struct qun_rng *r, int64_t lo, int64_t hi) {
  if (lo >= hi)
    return lo;
  uint64_t span = (uint64_t)hi - (uint64_t)lo; /* n - 1, exact mod 2^64 */
  if (span == UINT64_MAX)
    return to_i64(qun_rng_u64(r));
  uint64_t n = span + 1;
  /* Lemire (2019): x * n / 2^64 maps a word onto [0, n); the low half of
   * the product tells which words land in an over-full bucket. Rejecting
   * the 2^64 mod n lowest low halves leaves exactly floor(2^64 / n) words
   * per value. The division runs only when a rejection is possible. */
  uint64_t h, l;
  mul64(qun_rng_u64(r), n, &h, &l);
  if (l < n) {
    uint64_t reject = (0 - n) % n; /* 2^64 mod n */
    while (l < reject && !r->err)
      mul64(qun_rng_u64(r), n, &h, &l);
  }
  return to_i64((uint64_t)lo + h);
}

double qun_rng_double(struct qun_rng *r) {
  return (double)(qun_rng_u64(r) >> 11) * 0x1.0p-53;
}
