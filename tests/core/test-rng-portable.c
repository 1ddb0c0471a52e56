/* test-rng-portable.c — rng.c built without __int128, as on a compiler
 * that lacks it: the portable 64×64→128 multiply gives the same bits, so a
 * seed means the same draws (and the same red-packet shares) everywhere.
 *
 * This file compiles src/core/rng.c itself with QUN_RNG_NO_INT128; it
 * defines every symbol rng.o would, so the linker takes none from the
 * library. */
#define QUN_RNG_NO_INT128
#include "core/rng.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static uint64_t xs;
static uint64_t rnd(void) {
  xs ^= xs << 13, xs ^= xs >> 7, xs ^= xs << 17;
  return xs;
}

static void test_mul64(void **s) {
  (void)s;
#ifdef __SIZEOF_INT128__
  static const uint64_t edge[] = {0, 1, 2, 0xffffffffULL, 0x100000000ULL, 0x8000000000000000ULL,
                                  UINT64_MAX - 1, UINT64_MAX};
  enum { E = sizeof edge / sizeof edge[0] };
  xs = 2463534242ULL;
  for (int i = 0; i < 1000000 + E * E; i++) {
    uint64_t a = i < E * E ? edge[i / E] : rnd(), b = i < E * E ? edge[i % E] : rnd() >> (i % 64);
    uint64_t hi, lo;
    mul64(a, b, &hi, &lo);
    unsigned __int128 m = (unsigned __int128)a * b;
    if (hi != (uint64_t)(m >> 64) || lo != (uint64_t)m)
      fail_msg("%llx * %llx", (unsigned long long)a, (unsigned long long)b);
  }
#else
  skip();
#endif
}

static int64_t s64(uint64_t u) {
  return u <= (uint64_t)INT64_MAX ? (int64_t)u : -(int64_t)(UINT64_MAX - u) - 1;
}

/* The ranges and digest of test_uniform_bounds in test-rng.c. */
static void test_same_draws(void **s) {
  (void)s;
  struct qun_rng r;
  qun_rng_seed(&r, 2024);
  xs = 88172645463325252ULL;
  uint64_t digest = 0xcbf29ce484222325ULL;
  for (int i = 0; i < 100000; i++) {
    uint64_t x = rnd(), y = rnd();
    int64_t lo, hi;
    switch (i % 4) {
    case 0:
      lo = s64(x) < s64(y) ? s64(x) : s64(y);
      hi = s64(x) < s64(y) ? s64(y) : s64(x);
      break;
    case 1:
      lo = (int64_t)(x >> 2) - (INT64_C(1) << 62);
      hi = lo + (int64_t)(y % 1000);
      break;
    case 2:
      lo = 0;
      hi = (int64_t)(y >> (x % 64 == 0 ? 1 : x % 64));
      break;
    default:
      lo = INT64_MIN + (int64_t)(x % 3);
      hi = INT64_MAX - (int64_t)(y % 3);
      break;
    }
    digest = (digest ^ (uint64_t)qun_rng_uniform(&r, lo, hi)) * 0x100000001b3ULL;
  }
  assert_true(digest == 0xf789e4ff88101a85ULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mul64),
      cmocka_unit_test(test_same_draws),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
