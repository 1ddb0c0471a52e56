/* policy.c — quiet hours and local days (see policy.h). */
#include "core/policy.h"
#include "core/tz.h"

#include <time.h>

static int minute_of_day(const struct tm *tm) {
  return tm->tm_hour * 60 + tm->tm_min;
}

int qun_quiet_inside(const struct qun_quiet *q, int64_t t) {
  if (q->from == q->to)
    return 0;
  struct tm tm;
  qun_tz_local(t, &tm);
  int m = minute_of_day(&tm);
  return q->from < q->to ? (m >= q->from && m < q->to) : (m >= q->from || m < q->to);
}

int64_t qun_quiet_open_at(const struct qun_quiet *q, int64_t t) {
  if (!qun_quiet_inside(q, t))
    return t;
  struct tm tm;
  qun_tz_local(t, &tm);
  /* The window ends today at `to` unless it wraps and we are before midnight. */
  int next_day = q->from > q->to && minute_of_day(&tm) >= q->from;
  struct tm end = {.tm_year = tm.tm_year, .tm_mon = tm.tm_mon, .tm_mday = tm.tm_mday + next_day,
                   .tm_hour = q->to / 60, .tm_min = q->to % 60};
  return qun_tz_mktime(&end);
}

int32_t qun_local_day(int64_t t) {
  struct tm tm;
  qun_tz_local(t, &tm);
  return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}
