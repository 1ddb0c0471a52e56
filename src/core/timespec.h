/* timespec.h — reading and writing the time values of the playbook language.
 *
 * Durations ("90m", "2h", "1d12h", "5s"), money in yuan ("88.88" → 8888 fen,
 * never a float), absolute and relative times ("2026-11-28 20:00",
 * "sat 20:00", "20:00"), and recurring specs ("09:00", "mon-fri 09:00",
 * "sat 20:00", "every 30m", "every 5s", 5-field cron lines) with their next
 * occurrence in the run's zone (tz.h). Plain C; no Lua. */
#ifndef QUN_TIMESPEC_H
#define QUN_TIMESPEC_H

#include <stddef.h>
#include <stdint.h>

/* Errors, for every parser here: QUN_EINVAL when the text cannot be read
 * (a syntax error anywhere wins), QUN_ERANGE when it reads but a number is
 * out of range ("25:00", "2026-02-30", "*\/0", too much money). Outputs are
 * written only on success. */

/* Durations: one or more <integer><unit> with units d, h, m, s in that
 * order, each at most once, no spaces or signs ("1d12h", "90m", "1h30m",
 * "45s"). "0s" is 0. QUN_ERANGE past 36600d (a century). */
int qun_duration_parse(const char *s, int64_t *secs);
/* Canonical form: "1d12h", "90m" → "1h30m", 0 → "0s", negative with a
 * leading "-". buf ≥ 32 bytes. */
void qun_duration_format(int64_t secs, char *buf, size_t n);
/* Chinese form for countdowns: 3h → "3小时", 5400 → "1小时30分",
 * 600 → "10分钟", 90061 → "1天1小时1分", 45 → "45秒". Seconds show only
 * under a minute; past that, whole minutes (rounded down), zero parts left
 * out; negative is "0秒". buf ≥ 64 bytes. */
void qun_duration_format_zh(int64_t secs, char *buf, size_t n);

/* Money in yuan: "88", "88.8", "88.88" → fen. Rejects signs, more than two
 * decimals, empty, exponent, anything not digits, and a dot without digits
 * on both sides (".5", "5."); QUN_ERANGE past 1e12 fen. */
int qun_money_parse(const char *s, int64_t *fen);
/* 8888 → "88.88", 5 → "0.05", -5 → "-0.05". buf ≥ 24 bytes. */
void qun_money_format(int64_t fen, char *buf, size_t n);

/* Times in the run's zone:
 *   "2026-11-28 20:00" or "2026-11-28 20:00:05" or "2026-11-28T20:00:00+08:00"
 *   (absolute; an explicit offset wins over the zone);
 *   "sat 20:00"  (the first Saturday 20:00 at or after `now`);
 *   "20:00"      (the first 20:00 at or after `now`).
 * Day names: mon tue wed thu fri sat sun (also full English names),
 * case-insensitive. Hours 0-23 (one or two digits), minutes 0-59, optional
 * ":SS" except in RFC 3339, which needs seconds and an offset ("Z" or
 * "+HH:MM"; no fractions). One space between day and clock, nothing
 * around. Times before 1970 are QUN_ERANGE. A wall time skipped by DST
 * is the instant just after the gap; a repeated one is its first pass. */
int qun_time_parse(const char *s, int64_t now, int64_t *t);

/* Recurring specs. */
enum qun_spec_kind { QUN_SPEC_DAILY, QUN_SPEC_EVERY, QUN_SPEC_CRON };

struct qun_spec {
  enum qun_spec_kind kind;
  int64_t every;          /* QUN_SPEC_EVERY: period in seconds (≥ 1) */
  /* QUN_SPEC_DAILY and QUN_SPEC_CRON: bit sets of allowed values */
  uint64_t minutes;       /* bits 0-59 */
  uint32_t hours;         /* bits 0-23 */
  uint32_t mdays;         /* bits 1-31 */
  uint16_t months;        /* bits 1-12 */
  uint8_t wdays;          /* bits 0-6, 0 = Sunday */
  unsigned char mday_any, wday_any; /* cron: "*" in day-of-month / day-of-week
                                       (a field starting with "*", "*\/2" too,
                                       as in Vixie cron) */
  int second;             /* DAILY: seconds past the minute ("09:00:30"), else 0 */
};

/* "09:00", "09:00:30", "mon-fri 09:00", "sat,sun 10:30", "sat 20:00",
 * "every 30m", "every 5s", "every 1h30m", or a 5-field cron line
 * ("0 9 * * 1-5", ranges, lists, steps, names jan-dec/sun-sat, 7 = Sunday;
 * day-of-month and day-of-week both restricted → either matches, as in
 * Vixie cron).
 * Day lists take short or full names in any case; a range wraps over the
 * weekend ("fri-mon", "sat-sun"). Cron fields are separated by blanks;
 * steps apply to "*" or a range ("*\/15", "1-10/2"; "5/15" is refused);
 * a day-of-week range may end in "sun" as 7 ("mon-sun"). */
int qun_spec_parse(const char *s, struct qun_spec *spec);

/* The first occurrence strictly after `after`, in the run's zone. For
 * "every" specs occurrences are aligned to `anchor` (anchor + k*every,
 * k ≥ 0: never before the anchor, and elapsed time, not wall time);
 * other kinds ignore anchor. Returns -1 if there is none within 5 years
 * (e.g. cron "0 0 30 2 *"; the horizon is for calendar specs, "every"
 * is -1 only past int64). A local time skipped by a DST gap fires at
 * the first instant after the gap; a repeated one fires once. */
int64_t qun_spec_next(const struct qun_spec *spec, int64_t anchor, int64_t after);

#endif
