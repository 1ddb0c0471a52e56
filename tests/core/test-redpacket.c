/* test-redpacket.c — creation checks and their messages, the lucky and
 * even splits over a million random packets (conservation, bounds at each
 * draw, determinism), shares pinned against a separate Python
 * transcription, the public bugs as regression cases, position bias, and
 * refunds. docs/redpacket-math.md explains the rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/redpacket.h"
#include "core/rng.h"

/* ---- creation ---- */

static void test_check(void **s) {
  (void)s;
  const struct qun_rp_limits wechat = {20000, 100}; /* 200.00 元, 100 shares */
  static const struct {
    int64_t total, count;
    int limited, rc;
    const char *msg;
  } cases[] = {
      {1, 1, 1, 0, ""},
      {20000, 100, 1, 0, ""},
      {100, 100, 1, 0, ""}, /* a fen each is enough */
      {0, 1, 1, QUN_ERANGE, "a red packet needs at least 0.01 元; 0.00 元 was given"},
      {-100, 1, 1, QUN_ERANGE, "a red packet needs at least 0.01 元; -1.00 元 was given"},
      {100, 0, 1, QUN_ERANGE, "a red packet needs at least 1 share; 0 were given"},
      {100, -3, 1, QUN_ERANGE, "a red packet needs at least 1 share; -3 was given"},
      {5, 20, 1, QUN_ERANGE, "20 shares need at least 0.20 元; 0.05 元 was given"},
      {99, 100, 1, QUN_ERANGE, "100 shares need at least 1.00 元; 0.99 元 was given"},
      {28888, 10, 1, QUN_ELIMIT, "288.88 元 is over the limit of 200.00 元 per packet"},
      {20001, 10, 1, QUN_ELIMIT, "200.01 元 is over the limit of 200.00 元 per packet"},
      {10000, 101, 1, QUN_ELIMIT, "101 shares are over the limit of 100 per packet"},
      /* a fen per share is checked before the limits: the more basic fix */
      {50, 150, 1, QUN_ERANGE, "150 shares need at least 1.50 元; 0.50 元 was given"},
      /* without limits */
      {28888, 1000, 0, 0, ""},
      {INT64_MAX, INT64_MAX, 0, 0, ""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const struct qun_rp_limits *lim = cases[i].limited ? &wechat : NULL;
    char msg[128];
    int rc = qun_rp_check_message(cases[i].total, cases[i].count, lim, msg, sizeof msg);
    if (rc != cases[i].rc || strcmp(msg, cases[i].msg) != 0)
      fail_msg("%lld / %lld: %d \"%s\", want %d \"%s\"", (long long)cases[i].total,
               (long long)cases[i].count, rc, msg, cases[i].rc, cases[i].msg);
    assert_int_equal(qun_rp_check(cases[i].total, cases[i].count, lim), rc);
  }
  /* A zero limit is no limit; a short buffer still ends in NUL. */
  const struct qun_rp_limits count_only = {0, 100};
  assert_int_equal(qun_rp_check(1000000, 10, &count_only), 0);
  char tiny[8];
  assert_int_equal(qun_rp_check_message(5, 20, NULL, tiny, sizeof tiny), QUN_ERANGE);
  assert_string_equal(tiny, "20 shar");
  /* The longest message fits in 128 bytes. */
  char big[128];
  const struct qun_rp_limits huge = {INT64_MAX - 1, INT64_MAX - 1};
  qun_rp_check_message(INT64_MAX, 1, &huge, big, sizeof big);
  assert_true(strlen(big) < sizeof big - 1);
  qun_rp_check_message(INT64_MAX - 1, INT64_MAX, NULL, big, sizeof big);
  assert_true(strlen(big) < sizeof big - 1);
}

static void test_split_names(void **s) {
  (void)s;
  enum qun_rp_split split;
  assert_int_equal(qun_rp_split_parse("lucky", &split), 0);
  assert_int_equal(split, QUN_RP_LUCKY);
  assert_int_equal(qun_rp_split_parse("even", &split), 0);
  assert_int_equal(split, QUN_RP_EVEN);
  assert_int_equal(qun_rp_split_parse("Lucky", &split), QUN_EINVAL);
  assert_int_equal(qun_rp_split_parse("", &split), QUN_EINVAL);
  assert_int_equal(qun_rp_split_parse(NULL, &split), QUN_EINVAL);
  assert_string_equal(qun_rp_split_name(QUN_RP_LUCKY), "lucky");
  assert_string_equal(qun_rp_split_name(QUN_RP_EVEN), "even");
}

/* ---- one share ---- */

static void test_lucky_max(void **s) {
  (void)s;
  static const struct { int64_t m, n, max; } cases[] = {
      {100, 1, 100},                     /* the last share takes the rest */
      {100, 2, 99},                      /* ⌊200/2⌋ = 100, but one fen stays for the last */
      {100, 3, 66},                      /* ⌊200/3⌋ */
      {100, 18, 11},                     /* ⌊200/18⌋ */
      {100, 100, 1},                     /* a fen each */
      {101, 100, 2},
      {3, 2, 2},
      {2, 2, 1},
      {INT64_MAX, 2, INT64_MAX - 1},     /* 2M would overflow */
      {INT64_MAX, 3, (INT64_MAX / 3) * 2},     /* M = 3q + 1: ⌊2M/3⌋ = 2q */
      {INT64_MAX, INT64_MAX, 1},
      {INT64_MAX, INT64_MAX - 1, 2},
      {0, 0, QUN_ERANGE},
      {5, 6, QUN_ERANGE},
      {-1, 1, QUN_ERANGE},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    if (qun_rp_lucky_max(cases[i].m, cases[i].n) != cases[i].max)
      fail_msg("lucky_max(%lld, %lld) = %lld, want %lld", (long long)cases[i].m,
               (long long)cases[i].n, (long long)qun_rp_lucky_max(cases[i].m, cases[i].n),
               (long long)cases[i].max);
  /* Against the definition, 2M computed in full, for every small ledger. */
  for (int64_t m = 1; m <= 400; m++)
    for (int64_t n = 2; n <= m; n++) {
      int64_t want = 2 * m / n < m - (n - 1) ? 2 * m / n : m - (n - 1);
      assert_int_equal(qun_rp_lucky_max(m, n), want);
    }
}

static void test_next_share_errors(void **s) {
  (void)s;
  struct qun_rng r;
  qun_rng_seed(&r, 1);
  assert_int_equal(qun_rp_next_share(QUN_RP_LUCKY, 0, 0, &r), QUN_ESTATE); /* all open */
  assert_int_equal(qun_rp_next_share(QUN_RP_EVEN, 0, 0, NULL), QUN_ESTATE);
  assert_int_equal(qun_rp_next_share(QUN_RP_LUCKY, 5, 0, &r), QUN_ERANGE); /* fen, no shares */
  assert_int_equal(qun_rp_next_share(QUN_RP_LUCKY, 5, 20, &r), QUN_ERANGE);
  assert_int_equal(qun_rp_next_share(QUN_RP_EVEN, 5, 20, NULL), QUN_ERANGE);
  assert_int_equal(qun_rp_next_share(QUN_RP_LUCKY, -1, 1, &r), QUN_ERANGE);
  assert_int_equal(qun_rp_next_share(QUN_RP_LUCKY, 1, -1, &r), QUN_ERANGE);
  assert_int_equal(qun_rp_next_share(QUN_RP_LUCKY, 100, 3, NULL), QUN_EINVAL);
  assert_int_equal(qun_rp_next_share((enum qun_rp_split)7, 100, 3, &r), QUN_EINVAL);
  /* The last share needs no draw, with either split. */
  struct qun_rng before = r;
  assert_int_equal(qun_rp_next_share(QUN_RP_LUCKY, 4321, 1, &r), 4321);
  assert_memory_equal(&before, &r, sizeof r);
  assert_int_equal(qun_rp_next_share(QUN_RP_EVEN, 4321, 1, NULL), 4321);
  /* Even split from the ledger alone: 200.00 ÷ 3 = 66.67, 66.67, 66.66. */
  assert_int_equal(qun_rp_next_share(QUN_RP_EVEN, 20000, 3, NULL), 6667);
  assert_int_equal(qun_rp_next_share(QUN_RP_EVEN, 13333, 2, NULL), 6667);
  assert_int_equal(qun_rp_next_share(QUN_RP_EVEN, 6666, 1, NULL), 6666);
  assert_int_equal(qun_rp_next_share(QUN_RP_EVEN, INT64_MAX, 2, NULL), INT64_C(1) << 62);

  int64_t shares[4] = {-7, -7, -7, -7};
  assert_int_equal(qun_rp_split_all(QUN_RP_LUCKY, 3, 4, &r, shares), QUN_ERANGE);
  assert_int_equal(qun_rp_split_all(QUN_RP_LUCKY, 0, 0, &r, shares), QUN_ERANGE);
  assert_int_equal(qun_rp_split_all(QUN_RP_LUCKY, 8, 4, NULL, shares), QUN_EINVAL);
  assert_int_equal(qun_rp_split_all((enum qun_rp_split)-1, 8, 4, &r, shares), QUN_EINVAL);
  for (int i = 0; i < 4; i++)
    assert_int_equal(shares[i], -7); /* untouched */
}

/* A live generator whose source dies after its first buffer. */
static ssize_t one_buffer(void *buf, size_t len) {
  static int done;
  if (done) {
    errno = EIO;
    return -1;
  }
  done = 1;
  memset(buf, 0x5a, len);
  return (ssize_t)len;
}

static void test_live_source_fails(void **s) {
  (void)s;
  struct qun_rng r;
  assert_int_equal(qun_rng_init_source(&r, one_buffer), 0);
  int64_t shares[40];
  /* 32 buffered words: a 30-share packet has enough (0x5a5a... never
   * needs a second word for these small ranges). */
  assert_int_equal(qun_rp_split_all(QUN_RP_LUCKY, 10000, 30, &r, shares), 0);
  int64_t sum = 0;
  for (int i = 0; i < 30; i++)
    sum += shares[i];
  assert_int_equal(sum, 10000);
  /* The next draws find the source dead: the share is void, not 0. */
  assert_int_equal(qun_rp_split_all(QUN_RP_LUCKY, 10000, 40, &r, shares), QUN_EIO);
  assert_int_equal(qun_rp_next_share(QUN_RP_LUCKY, 10000, 40, &r), QUN_EIO);
  assert_int_equal(qun_rp_next_share(QUN_RP_EVEN, 10000, 40, &r), 250); /* needs no rng */
}

/* ---- properties over a million packets ---- */

struct digest {
  uint64_t h;
};
static inline void mix(struct digest *d, int64_t v) { d->h = (d->h ^ (uint64_t)v) * 0x100000001b3ULL; }

/* Draws every share of a packet one at a time, as claims do, and checks
 * each against its bound at the moment it was drawn. Returns 0 or a
 * description of the first broken rule. */
static const char *one_packet(enum qun_rp_split split, int64_t total, int64_t count,
                              struct qun_rng *r, struct digest *d) {
  int64_t m = total, n = count, base = total / count, extra = total % count;
  for (int64_t i = 0; i < count; i++, n--) {
    int64_t share = qun_rp_next_share(split, m, n, r);
    if (share < 1)
      return "a share under 1 fen";
    if (n == 1) {
      if (share != m)
        return "the last share is not the rest";
    } else if (share > m - (n - 1)) {
      return "a share leaves less than a fen for each later share";
    } else if (split == QUN_RP_LUCKY && share > 2 * m / n) { /* m ≤ 20 000: no overflow */
      return "a lucky share over min(2M/N, M - (N - 1))";
    }
    if (split == QUN_RP_EVEN && share != base + (i < extra))
      return "an even share that is not the floor plus the first remainders";
    m -= share;
    mix(d, share);
  }
  if (m != 0)
    return "the shares do not add up to the total";
  if (n != 0)
    return "not exactly count shares";
  return NULL;
}

enum { PACKETS = 1000000, REPLAY = 20000 };

static void random_packet(struct qun_rng *pick, int64_t *total, int64_t *count) {
  *total = qun_rng_uniform(pick, 1, 20000);
  *count = qun_rng_uniform(pick, 1, *total < 100 ? *total : 100);
}

static void test_properties(void **s) {
  (void)s;
  struct qun_rng pick, draw;
  qun_rng_seed(&pick, 1);       /* the packets */
  qun_rng_seed(&draw, 8888);    /* the shares */
  struct digest d = {0xcbf29ce484222325ULL}, at_replay = d;
  int64_t shares[100], total, count;
  long n_shares = 0;
  for (long p = 0; p < PACKETS; p++) {
    random_packet(&pick, &total, &count);
    /* Every 1000th packet: split_all with a copy of the generator gives
     * the shares the claims are about to draw. */
    if (p % 1000 == 0) {
      struct qun_rng copy = draw;
      assert_int_equal(qun_rp_split_all(QUN_RP_LUCKY, total, count, &copy, shares), 0);
      struct qun_rng again = draw;
      for (int64_t i = 0, m = total; i < count; m -= shares[i], i++)
        assert_int_equal(qun_rp_next_share(QUN_RP_LUCKY, m, count - i, &again), shares[i]);
    }
    const char *broken = one_packet(QUN_RP_LUCKY, total, count, &draw, &d);
    if (!broken)
      broken = one_packet(QUN_RP_EVEN, total, count, NULL, &d);
    if (broken)
      fail_msg("packet %ld (%lld fen, %lld shares): %s", p, (long long)total, (long long)count,
               broken);
    n_shares += 2 * count;
    if (p + 1 == REPLAY)
      at_replay = d;
  }
  assert_true(n_shares > 2 * 45 * (long)PACKETS); /* ~49 shares a packet */

  /* Same seeds, same packets, same shares. */
  qun_rng_seed(&pick, 1);
  qun_rng_seed(&draw, 8888);
  struct digest again = {0xcbf29ce484222325ULL};
  for (long p = 0; p < REPLAY; p++) {
    random_packet(&pick, &total, &count);
    assert_null(one_packet(QUN_RP_LUCKY, total, count, &draw, &again));
    assert_null(one_packet(QUN_RP_EVEN, total, count, NULL, &again));
  }
  assert_true(again.h == at_replay.h);
}

/* Shares computed once by a separate Python transcription of the rule and
 * of the generator: a seed means these shares on every machine. */
static void test_pinned_shares(void **s) {
  (void)s;
  static const struct {
    uint64_t seed;
    int64_t total, count;
    int64_t shares[18];
  } cases[] = {
      {1, 10000, 10, {1406, 994, 1091, 728, 1344, 255, 149, 1025, 2608, 400}},
      {2026, 100, 18, {7, 3, 9, 9, 9, 8, 8, 7, 7, 2, 7, 2, 7, 5, 3, 3, 1, 3}},
      {3, 8888, 5, {2456, 2061, 637, 1994, 1740}},
      {1, 1000, 5, {282, 187, 204, 128, 199}}, /* the worked example in docs/redpacket-math.md */
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    struct qun_rng r;
    int64_t got[18];
    qun_rng_seed(&r, cases[c].seed);
    assert_int_equal(qun_rp_split_all(QUN_RP_LUCKY, cases[c].total, cases[c].count, &r, got), 0);
    assert_memory_equal(got, cases[c].shares, (size_t)cases[c].count * sizeof got[0]);
  }
}

/* ---- the bugs seen in public implementations ---- */

static void test_regressions(void **s) {
  (void)s;
  struct qun_rng r;
  qun_rng_seed(&r, 18);
  int64_t sh[100];

  /* 1.00 ÷ 18: rounding each share up to a cent overdraws, and the last
   * share goes negative. Lucky shares stay ≥ 1 and add up; even shares
   * are 10 × 0.06 + 8 × 0.05. */
  for (int k = 0; k < 20000; k++) {
    assert_int_equal(qun_rp_split_all(QUN_RP_LUCKY, 100, 18, &r, sh), 0);
    int64_t sum = 0;
    for (int i = 0; i < 18; i++) {
      assert_true(sh[i] >= 1);
      sum += sh[i];
    }
    assert_int_equal(sum, 100);
  }
  assert_int_equal(qun_rp_split_all(QUN_RP_EVEN, 100, 18, NULL, sh), 0);
  for (int i = 0; i < 18; i++)
    assert_int_equal(sh[i], i < 10 ? 6 : 5);

  /* 1.00 ÷ 100: with floats, 0.01 × 100 is not 1.00 and a cent is lost or
   * made up. In fen, every share is exactly 1, both ways. */
  for (int split = QUN_RP_LUCKY; split <= QUN_RP_EVEN; split++) {
    assert_int_equal(qun_rp_split_all((enum qun_rp_split)split, 100, 100, &r, sh), 0);
    for (int i = 0; i < 100; i++)
      assert_int_equal(sh[i], 1);
  }

  /* More shares than fen: refused at creation, at a claim and in
   * split_all, never a 0 or negative share. */
  assert_int_equal(qun_rp_check(5, 20, NULL), QUN_ERANGE);
  assert_int_equal(qun_rp_split_all(QUN_RP_LUCKY, 5, 20, &r, sh), QUN_ERANGE);
  assert_int_equal(qun_rp_next_share(QUN_RP_LUCKY, 5, 20, &r), QUN_ERANGE);

  /* The last share is the rest and never breaks the bounds: every ledger
   * with up to 120 fen, every share count, 20 draws each; each share
   * leaves a fen for every later one, so the last is never < 1. */
  for (int64_t m = 2; m <= 120; m++)
    for (int64_t n = 2; n <= m; n++)
      for (int k = 0; k < 20; k++) {
        int64_t v = qun_rp_next_share(QUN_RP_LUCKY, m, n, &r);
        assert_true(v >= 1 && v <= m - (n - 1) && v <= 2 * m / n);
      }

  /* Half-open ranges never pay the top of the range (or pay 0 at the
   * bottom): both ends of [1, B] come up. */
  static const struct { int64_t m, n; } ends[] = {{100, 2}, {3, 2}, {100, 18}, {101, 100}};
  for (size_t e = 0; e < sizeof ends / sizeof ends[0]; e++) {
    int64_t b = qun_rp_lucky_max(ends[e].m, ends[e].n), lo = INT64_MAX, hi = 0;
    for (int k = 0; k < 5000; k++) {
      int64_t v = qun_rp_next_share(QUN_RP_LUCKY, ends[e].m, ends[e].n, &r);
      lo = v < lo ? v : lo, hi = v > hi ? v : hi;
    }
    assert_int_equal(lo, 1);
    assert_int_equal(hi, b);
  }
}

/* No position bias: drawing from [1, M − (N − 1)] (a common bug) gives the
 * first claimant half the packet on average. With [1, ⌊2M/N⌋] each
 * share's expectation is total/count up to the rounding of whole fen:
 * computed exactly (dynamic programming over the ledger), the first share
 * averages +0.5 fen and the last two down to −1.22 fen at 100 shares. The
 * tolerance is that 1.25 fen plus five standard errors of the mean. */
static void test_no_position_bias(void **s) {
  (void)s;
  static const struct { int64_t total, count; } cases[] = {
      {10000, 10}, {2000, 20}, {20000, 100}, {100, 10},
  };
  enum { RUNS = 20000 };
  struct qun_rng r;
  qun_rng_seed(&r, 5);
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    int64_t total = cases[c].total, count = cases[c].count, sh[100];
    double sum[100] = {0}, sum2[100] = {0};
    for (int k = 0; k < RUNS; k++) {
      assert_int_equal(qun_rp_split_all(QUN_RP_LUCKY, total, count, &r, sh), 0);
      for (int64_t i = 0; i < count; i++)
        sum[i] += (double)sh[i], sum2[i] += (double)sh[i] * (double)sh[i];
    }
    double fair = (double)total / (double)count;
    for (int64_t i = 0; i < count; i++) {
      double mean = sum[i] / RUNS, var = sum2[i] / RUNS - mean * mean;
      double tol = 1.25 + 5 * sqrt(var / RUNS);
      if (fabs(mean - fair) > tol)
        fail_msg("%lld fen / %lld: share %lld averages %.2f fen, want %.2f ± %.2f",
                 (long long)total, (long long)count, (long long)i + 1, mean, fair, tol);
    }
  }
}

/* ---- refunds ---- */

static void test_refund(void **s) {
  (void)s;
  struct qun_rng pick, draw;
  qun_rng_seed(&pick, 24);
  qun_rng_seed(&draw, 25);
  for (int p = 0; p < 100000; p++) {
    int64_t total, count, refund;
    random_packet(&pick, &total, &count);
    int64_t claims = qun_rng_uniform(&pick, 0, count), claimed = 0;
    enum qun_rp_split split = p % 2 ? QUN_RP_EVEN : QUN_RP_LUCKY;
    for (int64_t i = 0; i < claims; i++)
      claimed += qun_rp_next_share(split, total - claimed, count - i, &draw);
    assert_int_equal(qun_rp_refund(total, count, claimed, claims, &refund), 0);
    assert_int_equal(claimed + refund, total);
    assert_true(refund >= count - claims); /* a fen for every unopened share */
    if (claims == count)
      assert_int_equal(refund, 0);
  }
  int64_t refund = -1;
  assert_int_equal(qun_rp_refund(1000, 10, 0, 0, &refund), 0);
  assert_int_equal(refund, 1000); /* nobody claimed: all back */
  refund = -1;
  assert_int_equal(qun_rp_refund(1000, 10, 1001, 10, &refund), QUN_ERANGE); /* overdrawn */
  assert_int_equal(qun_rp_refund(1000, 10, 996, 5, &refund), QUN_ERANGE);   /* 4 fen for 5 shares */
  assert_int_equal(refund, -1);                                             /* untouched */
  assert_int_equal(qun_rp_refund(1000, 10, 995, 5, &refund), 0);            /* a fen each: fine */
  assert_int_equal(refund, 5);
  refund = -1;
  assert_int_equal(qun_rp_refund(1000, 10, 4, 5, &refund), QUN_ERANGE);     /* a claim < 1 fen */
  assert_int_equal(qun_rp_refund(1000, 10, 100, 11, &refund), QUN_ERANGE);  /* too many claims */
  assert_int_equal(qun_rp_refund(1000, 10, -1, 0, &refund), QUN_ERANGE);
  assert_int_equal(qun_rp_refund(1000, 10, 0, -1, &refund), QUN_ERANGE);
  assert_int_equal(qun_rp_refund(5, 20, 0, 0, &refund), QUN_ERANGE);        /* never valid */
  assert_int_equal(refund, -1);                                             /* untouched */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_check),
      cmocka_unit_test(test_split_names),
      cmocka_unit_test(test_lucky_max),
      cmocka_unit_test(test_next_share_errors),
      cmocka_unit_test(test_live_source_fails),
      cmocka_unit_test(test_properties),
      cmocka_unit_test(test_pinned_shares),
      cmocka_unit_test(test_regressions),
      cmocka_unit_test(test_no_position_bias),
      cmocka_unit_test(test_refund),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
