/* rfc3339.h — reading the times in transcript lines and facts
 * ("2026-11-28T20:00:00+08:00", "...Z", fractions allowed) into epoch
 * milliseconds and the offset they were written with, which is what
 * local days and hours are counted in. Plain C. */
#ifndef QUN_RFC3339_H
#define QUN_RFC3339_H

#include <stdint.h>

struct qun_stamp {
  int64_t ms;   /* epoch milliseconds */
  int off;      /* seconds east of UTC as written */
  char day[11]; /* the local date as written, "YYYY-MM-DD" */
};

/* 0, or -1 if s is not an RFC 3339 date-time: date, 'T' (or 't' or one
 * space), hh:mm:ss, optional fraction, then 'Z'/'z' or ±hh:mm; fields in
 * range (leap second 60 read as 59), nothing after. */
int qun_rfc3339_parse(const char *s, struct qun_stamp *out);

/* The start (epoch ms) of the local hour holding ms at offset off, and its
 * number counted in local hours since the epoch. */
int64_t qun_local_hour(int64_t ms, int off, int64_t *start_ms);

#endif
