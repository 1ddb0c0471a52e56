/* ratelimit.h — how fast a channel may send. A rate is "20/min", "5/s",
 * "1000/h", "300/d" or N over any duration ("20/10s"); a limiter holds up
 * to QUN_RATE_RULES of them at once (Feishu: {"5/s", "100/min"}), each an
 * exact sliding window: at most n sends in any window of `per`. The caller
 * passes the clock, so a dry-run on the virtual clock and a live run give
 * the same answer. Plain C; no I/O. */
#ifndef QUN_RATELIMIT_H
#define QUN_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#define QUN_RATE_RULES 4
#define QUN_RATE_MAX_N 100000 /* sends per window; the window keeps n times */

struct qun_rate {
  int n;          /* sends ... */
  int64_t per_ms; /* ... per this many milliseconds */
};

/* "20/min" → {20, 60000}. Units: s, min (or m), h, d, or a duration
 * ("10s", "1h30m"). QUN_EINVAL if unreadable, QUN_ERANGE if n is 0 or over
 * QUN_RATE_MAX_N. */
int qun_rate_parse(const char *s, struct qun_rate *out);
/* {20, 60000} → "20/min" (canonical: s, min, h, d when whole, else a
 * duration). buf ≥ 48 bytes. */
void qun_rate_format(const struct qun_rate *r, char *buf, size_t n);

struct qun_limiter;

/* A limiter over nrules rules (1..QUN_RATE_RULES); NULL if out of memory
 * or nrules is out of range. */
struct qun_limiter *qun_limiter_new(const struct qun_rate *rules, int nrules);
void qun_limiter_free(struct qun_limiter *l);
/* The earliest time ≥ now at which one more send keeps every rule. */
int64_t qun_limiter_next(const struct qun_limiter *l, int64_t now);
/* Records a send at `at` (not earlier than the last one recorded). */
void qun_limiter_take(struct qun_limiter *l, int64_t at);
/* The platform said "too fast" (DingTalk throttles a robot for 10 min):
 * nothing goes before `until`. */
void qun_limiter_pause(struct qun_limiter *l, int64_t until);

#endif
