/* test-rng.c — the seeded generator against published and independently
 * computed vectors, uniform() for bounds and bias (chi-square), doubles,
 * and the system source through short reads, EINTR and failure.
 *
 * Vectors: splitmix64 and xoshiro256** from state {1,2,3,4} are the
 * published reference outputs (Vigna's code, as pinned by rand_xoshiro);
 * the seeded streams, uniform() draws and the range digest were computed
 * once by a separate Python transcription of the same algorithms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "core/err.h"
#include "core/rng.h"

static void test_splitmix_seeding(void **s) {
  (void)s;
  struct qun_rng r;
  /* The state is the first four splitmix64 outputs from the seed. */
  static const uint64_t seed0[4] = {0xe220a8397b1dcdafULL, 0x6e789e6aa1b965f4ULL,
                                    0x06c45d188009454fULL, 0xf88bb8a8724c81ecULL};
  qun_rng_seed(&r, 0);
  assert_memory_equal(r.s, seed0, sizeof seed0);
  static const uint64_t seed1234567[4] = {6457827717110365317ULL, 3203168211198807973ULL,
                                          9817491932198370423ULL, 4593380528125082431ULL};
  qun_rng_seed(&r, 1234567);
  assert_memory_equal(r.s, seed1234567, sizeof seed1234567);
}

static void test_xoshiro_reference(void **s) {
  (void)s;
  static const uint64_t want[10] = {
      11520ULL, 0ULL, 1509978240ULL, 1215971899390074240ULL, 1216172134540287360ULL,
      607988272756665600ULL, 16172922978634559625ULL, 8476171486693032832ULL,
      10595114339597558777ULL, 2904607092377533576ULL};
  struct qun_rng r;
  qun_rng_seed(&r, 0);
  r.s[0] = 1, r.s[1] = 2, r.s[2] = 3, r.s[3] = 4;
  for (int i = 0; i < 10; i++)
    assert_true(qun_rng_u64(&r) == want[i]);
}

static void test_seeded_streams(void **s) {
  (void)s;
  struct qun_rng r;
  static const uint64_t seed42[4] = {1546998764402558742ULL, 6990951692964543102ULL,
                                     12544586762248559009ULL, 17057574109182124193ULL};
  qun_rng_seed(&r, 42);
  for (int i = 0; i < 4; i++)
    assert_true(qun_rng_u64(&r) == seed42[i]);
  static const uint64_t seed0[4] = {0x99ec5f36cb75f2b4ULL, 0xbf6e1f784956452aULL,
                                    0x1a5f849d4933e6e0ULL, 0x6aa594f1262d2d2cULL};
  qun_rng_seed(&r, 0);
  for (int i = 0; i < 4; i++)
    assert_true(qun_rng_u64(&r) == seed0[i]);

  /* Same seed, same words; neighbouring seeds share nothing. */
  struct qun_rng a, b, c;
  qun_rng_seed(&a, 20261128);
  qun_rng_seed(&b, 20261128);
  qun_rng_seed(&c, 20261129);
  int same_c = 0;
  for (int i = 0; i < 10000; i++) {
    uint64_t x = qun_rng_u64(&a);
    assert_true(x == qun_rng_u64(&b));
    same_c += x == qun_rng_u64(&c);
  }
  assert_int_equal(same_c, 0);
}

static void test_uniform_vectors(void **s) {
  (void)s;
  struct qun_rng r;
  static const int64_t digits[20] = {7, 5, 5, 3, 6, 1, 0, 3, 8, 5, 9, 9, 9, 6, 5, 8, 0, 4, 0, 0};
  qun_rng_seed(&r, 1);
  for (int i = 0; i < 20; i++)
    assert_int_equal(qun_rng_uniform(&r, 0, 9), digits[i]);

  static const int64_t small[10] = {2, -2, 4, 5, 5, 4, -5, -4, -1, -4};
  qun_rng_seed(&r, 7);
  for (int i = 0; i < 10; i++)
    assert_int_equal(qun_rng_uniform(&r, -5, 5), small[i]);
  assert_true(qun_rng_uniform(&r, INT64_MIN, INT64_MAX) == -8460274533673246313LL);
  assert_true(qun_rng_uniform(&r, INT64_MIN, (INT64_C(1) << 62) - 1) == 3767271533288367964LL);
  assert_int_equal(qun_rng_uniform(&r, 5, 5), 5); /* draws nothing */
  assert_true(qun_rng_uniform(&r, INT64_MIN, INT64_MAX - 1) == 7025456533006481942LL);
}

/* The same xorshift and ranges as the Python transcription that computed
 * the digest; tests/core/test-rng-portable.c pins the same digest. */
static uint64_t xs;
static uint64_t rnd(void) {
  xs ^= xs << 13, xs ^= xs >> 7, xs ^= xs << 17;
  return xs;
}

static int64_t s64(uint64_t u) { /* two's complement, portably */
  return u <= (uint64_t)INT64_MAX ? (int64_t)u : -(int64_t)(UINT64_MAX - u) - 1;
}

static void some_range(int i, int64_t *lo, int64_t *hi) {
  uint64_t x = rnd(), y = rnd();
  switch (i % 4) {
  case 0: /* anywhere in int64 */
    *lo = s64(x) < s64(y) ? s64(x) : s64(y);
    *hi = s64(x) < s64(y) ? s64(y) : s64(x);
    break;
  case 1: /* narrow, at a random place */
    *lo = (int64_t)(x >> 2) - (INT64_C(1) << 62);
    *hi = *lo + (int64_t)(y % 1000);
    break;
  case 2: /* every width from 1 to 2^64 - 1 values */
    *lo = 0;
    *hi = (int64_t)(y >> (x % 64 == 0 ? 1 : x % 64));
    break;
  default: /* nearly the full range */
    *lo = INT64_MIN + (int64_t)(x % 3);
    *hi = INT64_MAX - (int64_t)(y % 3);
    break;
  }
}

static uint64_t fnv(uint64_t h, int64_t v) { return (h ^ (uint64_t)v) * 0x100000001b3ULL; }

static void test_uniform_bounds(void **s) {
  (void)s;
  struct qun_rng r;
  qun_rng_seed(&r, 2024);
  xs = 88172645463325252ULL;
  uint64_t digest = 0xcbf29ce484222325ULL;
  for (int i = 0; i < 100000; i++) {
    int64_t lo, hi;
    some_range(i, &lo, &hi);
    int64_t v = qun_rng_uniform(&r, lo, hi);
    if (v < lo || v > hi)
      fail_msg("uniform(%lld, %lld) = %lld", (long long)lo, (long long)hi, (long long)v);
    digest = fnv(digest, v);
  }
  assert_true(digest == 0xf789e4ff88101a85ULL);

  /* The edges of int64, one and two values, and a caller's lo > hi. */
  static const struct { int64_t lo, hi; } edge[] = {
      {INT64_MIN, INT64_MIN + 1}, {INT64_MAX - 1, INT64_MAX}, {-1, 0}, {0, 1},
      {INT64_MIN, INT64_MIN + 2}, {INT64_MAX - 2, INT64_MAX}, {INT64_MIN, -1}, {0, INT64_MAX},
  };
  for (size_t e = 0; e < sizeof edge / sizeof edge[0]; e++) {
    int hit_lo = 0, hit_hi = 0;
    for (int i = 0; i < 200; i++) {
      int64_t v = qun_rng_uniform(&r, edge[e].lo, edge[e].hi);
      assert_true(v >= edge[e].lo && v <= edge[e].hi);
      hit_lo |= v == edge[e].lo, hit_hi |= v == edge[e].hi;
    }
    if (edge[e].hi - edge[e].lo <= 2) /* both ends are drawn: the range is closed */
      assert_true(hit_lo && hit_hi);
  }
  struct qun_rng before = r;
  assert_int_equal(qun_rng_uniform(&r, 7, 7), 7);
  assert_int_equal(qun_rng_uniform(&r, 9, 3), 9);
  assert_memory_equal(&before, &r, sizeof r); /* neither drew a word */
}

/* Chi-square over k cells with equal expectation. */
static double chi_square(const long *cells, int k, long draws) {
  double want = (double)draws / k, x2 = 0;
  for (int i = 0; i < k; i++)
    x2 += (cells[i] - want) * (cells[i] - want) / want;
  return x2;
}

static void test_uniform_chi_square(void **s) {
  (void)s;
  struct qun_rng r;
  qun_rng_seed(&r, 11);
  /* 17 values; 99.9th percentile of chi-square with 16 degrees of
   * freedom is 39.25: a fair generator fails this one time in a thousand
   * seeds, and this seed is fixed. */
  enum { K = 17, DRAWS = 1700000 };
  long cells[K] = {0};
  for (long i = 0; i < DRAWS; i++)
    cells[qun_rng_uniform(&r, -3, 13) + 3]++;
  double x2 = chi_square(cells, K, DRAWS);
  if (x2 > 39.25)
    fail_msg("chi-square %.2f over 17 values", x2);

  /* n = 3 * 2^62 values, [INT64_MIN, 2^62 - 1]: a modulo reduction would
   * put half the draws in the lowest third (2^64 mod n = 2^62 words land
   * there twice). Thirds by offset from lo; the 99.9th percentile with 2
   * degrees of freedom is 13.82. */
  enum { THIRDS = 300000 };
  long third[3] = {0};
  for (long i = 0; i < THIRDS; i++) {
    int64_t v = qun_rng_uniform(&r, INT64_MIN, (INT64_C(1) << 62) - 1);
    third[((uint64_t)v - (uint64_t)INT64_MIN) >> 62]++;
  }
  x2 = chi_square(third, 3, THIRDS);
  if (x2 > 13.82)
    fail_msg("chi-square %.2f over thirds (%ld %ld %ld)", x2, third[0], third[1], third[2]);
}

static void test_double(void **s) {
  (void)s;
  struct qun_rng r;
  qun_rng_seed(&r, 99);
  assert_true(qun_rng_double(&r) == 0.34870385642514956);
  assert_true(qun_rng_double(&r) == 0.5640000247384211);
  assert_true(qun_rng_double(&r) == 0.37821456048755686);
  double sum = 0;
  for (int i = 0; i < 1000000; i++) {
    double d = qun_rng_double(&r);
    assert_true(d >= 0.0 && d < 1.0);
    sum += d;
  }
  assert_true(sum / 1e6 > 0.499 && sum / 1e6 < 0.501); /* sd of the mean: 0.00029 */
  /* The largest word maps below 1: 53 bits are exact in a double. */
  assert_true((double)(UINT64_MAX >> 11) * 0x1.0p-53 < 1.0);
}

/* ---- the system source ---- */

static void test_system(void **s) {
  (void)s;
  struct qun_rng r;
  assert_int_equal(qun_rng_init_system(&r), 0);
  uint64_t first = qun_rng_u64(&r), or_all = first, and_all = first;
  int repeats = 0;
  for (int i = 0; i < 1000; i++) { /* crosses many 32-word refills */
    uint64_t x = qun_rng_u64(&r);
    repeats += x == first;
    or_all |= x, and_all &= x;
  }
  assert_int_equal(repeats, 0);
  assert_true(or_all == UINT64_MAX && and_all == 0);
  for (int i = 0; i < 1000; i++) {
    int64_t v = qun_rng_uniform(&r, 1, 200);
    assert_true(v >= 1 && v <= 200);
    double d = qun_rng_double(&r);
    assert_true(d >= 0.0 && d < 1.0);
  }
  assert_int_equal(qun_rng_error(&r), 0);
}

/* A byte counter that hands out at most 7 bytes a call and is interrupted
 * every third call. */
static unsigned char next_byte;
static int calls;
static ssize_t choppy(void *buf, size_t len) {
  if (++calls % 3 == 0) {
    errno = EINTR;
    return -1;
  }
  size_t n = len < 7 ? len : 7;
  for (size_t i = 0; i < n; i++)
    ((unsigned char *)buf)[i] = next_byte++;
  return (ssize_t)n;
}

static void test_system_short_reads(void **s) {
  (void)s;
  struct qun_rng r;
  next_byte = 0, calls = 0;
  assert_int_equal(qun_rng_init_source(&r, choppy), 0);
  /* 100 words span four refills; the bytes come out in order, none lost
   * to an interruption and none repeated by a short read. */
  unsigned char got[800];
  for (int i = 0; i < 100; i++) {
    uint64_t x = qun_rng_u64(&r);
    memcpy(got + 8 * i, &x, 8);
  }
  for (int i = 0; i < 800; i++)
    assert_int_equal(got[i], (unsigned char)i);
  assert_int_equal(qun_rng_error(&r), 0);
}

static int good_reads;
static ssize_t fails_later(void *buf, size_t len) {
  if (good_reads-- > 0) {
    memset(buf, 0xab, len);
    return (ssize_t)len;
  }
  errno = ENOSYS;
  return -1;
}
static ssize_t returns_nothing(void *buf, size_t len) { return 0; }

static void test_system_failure(void **s) {
  (void)s;
  struct qun_rng r;
  good_reads = 0;
  assert_int_equal(qun_rng_init_source(&r, fails_later), QUN_EIO); /* e.g. seccomp */
  assert_int_equal(qun_rng_init_source(&r, returns_nothing), QUN_EIO);

  good_reads = 1;
  assert_int_equal(qun_rng_init_source(&r, fails_later), 0);
  for (int i = 0; i < QUN_RNG_BUF_WORDS; i++)
    assert_true(qun_rng_u64(&r) == 0xababababababababULL);
  assert_int_equal(qun_rng_error(&r), 0);
  assert_true(qun_rng_u64(&r) == 0);
  assert_int_equal(qun_rng_error(&r), QUN_EIO);
  /* Zero words would be rejected forever for this n (2^64 mod n > 0):
   * uniform() must give up instead of spinning. */
  int64_t v = qun_rng_uniform(&r, 0, INT64_MAX - 5);
  assert_true(v >= 0 && v <= INT64_MAX - 5);
  assert_int_equal(qun_rng_error(&r), QUN_EIO); /* sticky */

  good_reads = 1;
  assert_int_equal(qun_rng_init_source(&r, fails_later), 0); /* init clears it */
  assert_int_equal(qun_rng_error(&r), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_splitmix_seeding),
      cmocka_unit_test(test_xoshiro_reference),
      cmocka_unit_test(test_seeded_streams),
      cmocka_unit_test(test_uniform_vectors),
      cmocka_unit_test(test_uniform_bounds),
      cmocka_unit_test(test_uniform_chi_square),
      cmocka_unit_test(test_double),
      cmocka_unit_test(test_system),
      cmocka_unit_test(test_system_short_reads),
      cmocka_unit_test(test_system_failure),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
