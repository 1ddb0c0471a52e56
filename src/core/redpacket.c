/* redpacket.c — checks, splits and refunds of red packets (redpacket.h).
 *
 * Every rule here is about one invariant: after any number of claims, the
 * fen left (M) are at least the shares left (N). A share s with
 * 1 ≤ s ≤ M − (N − 1) keeps it, and the last share (N = 1) takes exactly
 * M ≥ 1. Conservation (claims + refund == total) follows. */
#include "core/redpacket.h"
#include "core/err.h"
#include "core/timespec.h"

#include <stdio.h>
#include <string.h>

int qun_rp_split_parse(const char *s, enum qun_rp_split *split) {
  if (s && strcmp(s, "lucky") == 0)
    *split = QUN_RP_LUCKY;
  else if (s && strcmp(s, "even") == 0)
    *split = QUN_RP_EVEN;
  else
    return QUN_EINVAL;
  return 0;
}

const char *qun_rp_split_name(enum qun_rp_split split) {
  switch (split) {
  case QUN_RP_LUCKY: return "lucky";
  case QUN_RP_EVEN: return "even";
  }
  return "?";
}

/* ---- creation ---- */

enum rule { RULE_OK, RULE_NO_MONEY, RULE_NO_SHARES, RULE_FEN_PER_SHARE, RULE_MAX_TOTAL, RULE_MAX_COUNT };

static enum rule broken_rule(int64_t total, int64_t count, const struct qun_rp_limits *lim) {
  if (total < 1)
    return RULE_NO_MONEY;
  if (count < 1)
    return RULE_NO_SHARES;
  if (total < count)
    return RULE_FEN_PER_SHARE;
  if (lim && lim->max_total > 0 && total > lim->max_total)
    return RULE_MAX_TOTAL;
  if (lim && lim->max_count > 0 && count > lim->max_count)
    return RULE_MAX_COUNT;
  return RULE_OK;
}

static int rule_code(enum rule r) {
  switch (r) {
  case RULE_OK: return 0;
  case RULE_MAX_TOTAL:
  case RULE_MAX_COUNT: return QUN_ELIMIT;
  default: return QUN_ERANGE;
  }
}

int qun_rp_check(int64_t total, int64_t count, const struct qun_rp_limits *lim) {
  return rule_code(broken_rule(total, count, lim));
}

int qun_rp_check_message(int64_t total, int64_t count, const struct qun_rp_limits *lim,
                         char *buf, size_t n) {
  enum rule r = broken_rule(total, count, lim);
  char have[24], need[24];
  qun_money_format(total, have, sizeof have);
  switch (r) {
  case RULE_OK:
    snprintf(buf, n, "%s", "");
    break;
  case RULE_NO_MONEY:
    snprintf(buf, n, "a red packet needs at least 0.01 元; %s 元 was given", have);
    break;
  case RULE_NO_SHARES:
    snprintf(buf, n, "a red packet needs at least 1 share; %lld %s given", (long long)count,
             count == 0 ? "were" : "was");
    break;
  case RULE_FEN_PER_SHARE:
    qun_money_format(count, need, sizeof need); /* a fen per share */
    snprintf(buf, n, "%lld shares need at least %s 元; %s 元 was given", (long long)count, need,
             have);
    break;
  case RULE_MAX_TOTAL:
    qun_money_format(lim->max_total, need, sizeof need);
    snprintf(buf, n, "%s 元 is over the limit of %s 元 per packet", have, need);
    break;
  case RULE_MAX_COUNT:
    snprintf(buf, n, "%lld shares are over the limit of %lld per packet", (long long)count,
             (long long)lim->max_count);
    break;
  }
  return rule_code(r);
}

/* ---- shares ---- */

/* min(⌊2M/N⌋, M − (N − 1)) for 2 ≤ N ≤ M without computing 2M, so any
 * int64 ledger is safe: ⌊2M/N⌋ = 2q + ⌊2r/N⌋ with M = qN + r, and
 * ⌊2r/N⌋ is 1 exactly when r ≥ N − r. */
static int64_t lucky_max(int64_t m, int64_t n) {
  if (n == 1)
    return m;
  int64_t q = m / n, r = m % n;
  int64_t twice_mean = 2 * q + (r >= n - r);
  int64_t keep_one_each = m - (n - 1);
  return twice_mean < keep_one_each ? twice_mean : keep_one_each;
}

int64_t qun_rp_lucky_max(int64_t left_fen, int64_t left_count) {
  if (left_count < 1 || left_fen < left_count)
    return QUN_ERANGE;
  return lucky_max(left_fen, left_count);
}

int64_t qun_rp_next_share(enum qun_rp_split split, int64_t left_fen, int64_t left_count,
                          struct qun_rng *rng) {
  if (split != QUN_RP_LUCKY && split != QUN_RP_EVEN)
    return QUN_EINVAL;
  if (left_count == 0 && left_fen == 0)
    return QUN_ESTATE;
  if (left_count < 1 || left_fen < left_count)
    return QUN_ERANGE;
  if (left_count == 1)
    return left_fen;
  if (split == QUN_RP_EVEN) /* ⌈M/N⌉ without M + N − 1 overflowing */
    return left_fen / left_count + (left_fen % left_count != 0);
  if (!rng)
    return QUN_EINVAL;
  /* Both ends included: a half-open [1, B) would never pay B, and
   * [0, B] would pay nothing. */
  int64_t share = qun_rng_uniform(rng, 1, lucky_max(left_fen, left_count));
  return qun_rng_error(rng) ? QUN_EIO : share;
}

int qun_rp_split_all(enum qun_rp_split split, int64_t total, int64_t count,
                     struct qun_rng *rng, int64_t *shares) {
  int rc = qun_rp_check(total, count, NULL);
  if (rc < 0)
    return rc;
  if (split != QUN_RP_LUCKY && split != QUN_RP_EVEN)
    return QUN_EINVAL;
  if (split == QUN_RP_LUCKY && !rng)
    return QUN_EINVAL;
  int64_t m = total;
  for (int64_t i = 0; i < count; i++) {
    int64_t s = qun_rp_next_share(split, m, count - i, rng);
    if (s < 0)
      return (int)s; /* only QUN_EIO can get here; shares are half written */
    shares[i] = s;
    m -= s;
  }
  return 0;
}

int qun_rp_refund(int64_t total, int64_t count, int64_t claimed_fen, int64_t claimed_count,
                  int64_t *refund) {
  int rc = qun_rp_check(total, count, NULL);
  if (rc < 0)
    return rc;
  if (claimed_count < 0 || claimed_count > count)
    return QUN_ERANGE;
  if (claimed_fen < claimed_count || claimed_fen > total - (count - claimed_count))
    return QUN_ERANGE;
  *refund = total - claimed_fen;
  return 0;
}
