/* policy.h — when a message may go: quiet hours in the run's zone (a send
 * due inside the window waits for its end) and the local day a send counts
 * against for per-member daily caps. Plain C over core/tz. */
#ifndef QUN_POLICY_H
#define QUN_POLICY_H

#include <stdint.h>

struct qun_quiet {
  int from, to; /* minutes of the local day; from == to: no quiet hours */
};

/* 1 if the local time of t (epoch seconds) is inside the window
 * [from, to), which may wrap midnight ("22:00-08:00"). */
int qun_quiet_inside(const struct qun_quiet *q, int64_t t);
/* t itself if outside the window, else the first instant the window ends
 * (the local day's `to`, the next day's when it wraps). */
int64_t qun_quiet_open_at(const struct qun_quiet *q, int64_t t);

/* The local calendar day of t as YYYYMMDD, the unit of daily caps. */
int32_t qun_local_day(int64_t t);

#endif
