/* tz.h — the run's time zone and local-time arithmetic.
 *
 * One time zone per process run (a run = one playbook on one clock), read
 * from the tz database (/usr/share/zoneinfo, or $TZDIR). Uses the C
 * library's TZ machinery: qun_tz_set() validates the zone name against the
 * database (glibc silently falls back to UTC for unknown names) and then
 * sets TZ. All times are int64 epoch seconds. */
#ifndef QUN_TZ_H
#define QUN_TZ_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define QUN_TZ_DEFAULT "Asia/Shanghai"

/* Select the zone (e.g. "Asia/Shanghai", "UTC"). QUN_ENOENT if the tz
 * database has no such zone, QUN_EINVAL for a malformed name ("../x").
 * A name is a relative path of [A-Za-z0-9_+-] parts joined by single '/'
 * (so no "..", no leading '/', no POSIX rule strings like "EST5EDT,M3..."),
 * and must name a TZif file under $TZDIR or /usr/share/zoneinfo. On
 * failure the zone in force does not change. */
int qun_tz_set(const char *name);
/* The name last set, or NULL before the first successful qun_tz_set(). */
const char *qun_tz_name(void);

/* Broken-down local time of t in the run's zone (tm_gmtoff and tm_isdst
 * filled in). All fields 0 if t is beyond what struct tm can hold. */
void qun_tz_local(int64_t t, struct tm *out);

/* Epoch seconds of a local wall time (tm_isdst ignored). A wall time that
 * does not exist (DST gap) resolves to the instant just after the gap; an
 * ambiguous one (DST fold) to the earlier instant. Fields may be out of
 * range and are normalised (day 32 → next month). */
int64_t qun_tz_mktime(const struct tm *local);

/* UTC offset of the zone at t, in seconds east of UTC. */
int qun_tz_offset(int64_t t);

/* RFC 3339 with offset: "2026-11-28T20:00:00+08:00". buf ≥ 26 bytes.
 * An offset that is not whole minutes (local mean time before ~1900) has
 * no RFC 3339 form: such instants are written in UTC, "...Z". */
void qun_tz_rfc3339(int64_t t, char *buf, size_t n);

#endif
