/* redpacket.h — the arithmetic of a red packet, in integer fen.
 *
 * Creation checks (total ≥ 1, count ≥ 1, a fen per share, configured
 * limits) with the message a user should see; the two splits, one share at
 * a time as WeChat decides it when a share is opened, or all at once for
 * tests and the simulation; the refund at expiry. Amounts never pass
 * through a float. The store keeps a packet's ledger; this unit only
 * computes. Uses core/rng (lucky split) and core/timespec (money in
 * messages). docs/redpacket-math.md explains the rules and the bugs they
 * avoid. */
#ifndef QUN_REDPACKET_H
#define QUN_REDPACKET_H

#include <stddef.h>
#include <stdint.h>

#include "core/rng.h"

enum qun_rp_split {
  QUN_RP_LUCKY, /* 拼手气: each share drawn from [1, min(⌊2M/N⌋, M − (N − 1))] */
  QUN_RP_EVEN,  /* 普通: ⌊total/count⌋ each, the remainder a fen each to the first */
};

/* "lucky" or "even" (as written in playbooks); else QUN_EINVAL. */
int qun_rp_split_parse(const char *s, enum qun_rp_split *split);
const char *qun_rp_split_name(enum qun_rp_split split);

/* Configured limits (the team config's redpacket.max_total, max_count);
 * 0 means no limit. A NULL limits pointer means no limits. */
struct qun_rp_limits {
  int64_t max_total; /* fen per packet */
  int64_t max_count; /* shares per packet */
};

/* May a packet of `total` fen in `count` shares be created?
 *   QUN_ERANGE: total < 1, count < 1, or total < count (a share is ≥ 1 fen);
 *   QUN_ELIMIT: total over max_total or count over max_count;
 *   0 otherwise. The first failing rule, in that order, decides. */
int qun_rp_check(int64_t total, int64_t count, const struct qun_rp_limits *lim);
/* The same check, and the reason in words for the user into buf (always
 * NUL-terminated; "" when the packet is fine), e.g.
 *   "288.88 元 is over the limit of 200.00 元 per packet"
 *   "20 shares need at least 0.20 元; 0.05 元 was given".
 * Returns what qun_rp_check() returns. buf ≥ 128 bytes holds any message. */
int qun_rp_check_message(int64_t total, int64_t count, const struct qun_rp_limits *lim,
                         char *buf, size_t n);

/* The largest lucky share with `left_fen` fen and `left_count` shares left:
 * min(⌊2M/N⌋, M − (N − 1)) for N ≥ 2, M for N = 1 (the last share takes
 * the rest). QUN_ERANGE unless 1 ≤ left_count ≤ left_fen. */
int64_t qun_rp_lucky_max(int64_t left_fen, int64_t left_count);

/* The next share of a packet that has `left_fen` fen in `left_count`
 * unopened shares (total − claimed so far, count − claims so far): a
 * value ≥ 1 and ≤ left_fen − (left_count − 1), so every later share still
 * gets a fen; exactly left_fen when left_count is 1. Lucky draws from rng;
 * even needs no rng (NULL is fine) and gives ⌈M/N⌉, which hands out the
 * remainder to the first shares without knowing which share this is.
 * Errors: QUN_ESTATE when both are 0 (every share is open); QUN_ERANGE
 * when the ledger is impossible (negative, fewer fen than shares, or fen
 * left without shares); QUN_EINVAL for an unknown split or a lucky split without rng;
 * QUN_EIO when the system generator failed (the draw is void). */
int64_t qun_rp_next_share(enum qun_rp_split split, int64_t left_fen, int64_t left_count,
                          struct qun_rng *rng);

/* All `count` shares of a packet of `total` fen, in the order they are
 * opened, into shares[0..count-1]: the same values as calling
 * qun_rp_next_share() count times with the same rng. Checks total and
 * count like qun_rp_check() without limits, and leaves shares untouched
 * when they fail; on QUN_EIO (system generator) shares is void. */
int qun_rp_split_all(enum qun_rp_split split, int64_t total, int64_t count,
                     struct qun_rng *rng, int64_t *shares);

/* What goes back to the sender at expiry: total − claimed_fen, into
 * *refund, so that claims + refund == total. QUN_ERANGE if the ledger
 * cannot be right: claimed_count outside [0, count], claimed_fen outside
 * [claimed_count, total − (count − claimed_count)] (every claim ≥ 1 fen and
 * a fen left for every unopened share), or an invalid total/count. */
int qun_rp_refund(int64_t total, int64_t count, int64_t claimed_fen, int64_t claimed_count,
                  int64_t *refund);

#endif
