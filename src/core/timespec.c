/* timespec.c — durations, money, times and recurring specs (timespec.h).
 *
 * Syntax errors are QUN_EINVAL; well-formed input with a number out of its
 * range ("25:00", "2026-02-30", "*\/0", a century-long duration) is
 * QUN_ERANGE. A syntax error anywhere wins over a range error. */
#include "core/timespec.h"
#include "core/err.h"
#include "core/tz.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define DAY 86400
/* Longer durations are typos, and this keeps now + duration far from
 * int64 overflow in every caller. */
#define MAX_DURATION ((int64_t)100 * 366 * DAY)
#define MAX_FEN ((int64_t)1000000000000) /* 10 000 000 000.00 yuan */
#define HORIZON_DAYS (5 * 366)

/* ASCII only: the CLI runs with LC_CTYPE set to UTF-8, and a playbook's
 * "２０:00" must not be read as a time. */
static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

/* Reads a run of digits; returns how many (0: none). The value saturates
 * instead of overflowing, so callers can range-check it. */
static int read_digits(const char **p, int64_t *v) {
  int n = 0;
  int64_t x = 0;
  for (; is_digit(**p); (*p)++, n++)
    x = x > (INT64_MAX - 9) / 10 ? INT64_MAX : x * 10 + (**p - '0');
  *v = x;
  return n;
}

/* Exactly `width` digits. */
static int read_fixed(const char **p, int width, int64_t *v) {
  return read_digits(p, v) == width;
}

/* ---- durations ---- */

static const char dur_units[] = "dhms";
static const int64_t dur_secs[] = {DAY, 3600, 60, 1};

int qun_duration_parse(const char *s, int64_t *secs) {
  if (!s || !*s)
    return QUN_EINVAL;
  const char *p = s;
  int next = 0, too_big = 0; /* units come in order d h m s, each once */
  int64_t total = 0;
  while (*p) {
    int64_t v;
    if (!read_digits(&p, &v) || !*p)
      return QUN_EINVAL;
    const char *u = strchr(dur_units + next, *p);
    if (!u)
      return QUN_EINVAL;
    int i = (int)(u - dur_units);
    p++;
    next = i + 1;
    if (v > MAX_DURATION / dur_secs[i] || total + v * dur_secs[i] > MAX_DURATION)
      too_big = 1;
    else
      total += v * dur_secs[i];
  }
  if (too_big)
    return QUN_ERANGE;
  *secs = total;
  return 0;
}

void qun_duration_format(int64_t secs, char *buf, size_t n) {
  if (n == 0)
    return;
  uint64_t left = secs < 0 ? -(uint64_t)secs : (uint64_t)secs;
  size_t len = 0;
  buf[0] = '\0';
  if (secs < 0)
    len += (size_t)snprintf(buf, n, "-");
  if (left == 0) {
    snprintf(buf, n, "0s");
    return;
  }
  for (int i = 0; i < 4 && len < n; i++) {
    uint64_t v = left / (uint64_t)dur_secs[i];
    left %= (uint64_t)dur_secs[i];
    if (v)
      len += (size_t)snprintf(buf + len, n - len, "%llu%c", (unsigned long long)v, dur_units[i]);
  }
}

/* A countdown: seconds only under a minute, then whole minutes (rounded
 * down); zero parts are left out. Minutes alone read "分钟", after hours
 * or days just "分". Negative counts as 0. */
void qun_duration_format_zh(int64_t secs, char *buf, size_t n) {
  if (n == 0)
    return;
  if (secs < 60) {
    snprintf(buf, n, "%lld秒", (long long)(secs < 0 ? 0 : secs));
    return;
  }
  long long d = secs / DAY, h = secs % DAY / 3600, m = secs % 3600 / 60;
  size_t len = 0;
  buf[0] = '\0';
  if (d)
    len += (size_t)snprintf(buf, n, "%lld天", d);
  if (h && len < n)
    len += (size_t)snprintf(buf + len, n - len, "%lld小时", h);
  if (m && len < n)
    snprintf(buf + len, n - len, len ? "%lld分" : "%lld分钟", m);
}

/* ---- money ---- */

/* digits, then optionally "." and one or two digits. ".5" and "5." are
 * refused: a money string is written by hand and a lone dot is a typo. */
int qun_money_parse(const char *s, int64_t *fen) {
  if (!s)
    return QUN_EINVAL;
  const char *p = s;
  int64_t yuan, frac = 0;
  if (!read_digits(&p, &yuan))
    return QUN_EINVAL;
  if (*p == '.') {
    p++;
    int k = read_digits(&p, &frac);
    if (k < 1 || k > 2)
      return QUN_EINVAL;
    if (k == 1)
      frac *= 10;
  }
  if (*p)
    return QUN_EINVAL;
  if (yuan > MAX_FEN / 100 || yuan * 100 + frac > MAX_FEN)
    return QUN_ERANGE;
  *fen = yuan * 100 + frac;
  return 0;
}

void qun_money_format(int64_t fen, char *buf, size_t n) {
  uint64_t v = fen < 0 ? -(uint64_t)fen : (uint64_t)fen;
  snprintf(buf, n, "%s%llu.%02llu", fen < 0 ? "-" : "", (unsigned long long)(v / 100),
           (unsigned long long)(v % 100));
}

/* ---- calendar arithmetic (dates only; zones are tz.c's) ---- */

struct date {
  int y, m, d, wd; /* m 1..12, wd 0..6 with 0 = Sunday */
};

static int days_in_month(int y, int m) {
  static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return dm[m - 1] + (m == 2 && leap);
}

/* Moves on one day, or to the first of the next month; returns the number
 * of days moved. */
static int date_step(struct date *dt, int to_next_month) {
  int dim = days_in_month(dt->y, dt->m);
  int days = to_next_month ? dim - dt->d + 1 : 1;
  dt->wd = (dt->wd + days) % 7;
  if ((dt->d += days) > dim) {
    dt->d = 1;
    if (++dt->m > 12) {
      dt->m = 1;
      dt->y++;
    }
  }
  return days;
}

static int64_t local_instant(const struct date *dt, int h, int m, int s) {
  struct tm tm = {.tm_year = dt->y - 1900, .tm_mon = dt->m - 1, .tm_mday = dt->d,
                  .tm_hour = h, .tm_min = m, .tm_sec = s};
  return qun_tz_mktime(&tm);
}

/* ---- times ---- */

static const char *const day_names[7] = {"sunday",   "monday", "tuesday", "wednesday",
                                         "thursday", "friday", "saturday"};
static const char *const month_names[12] = {"jan", "feb", "mar", "apr", "may", "jun",
                                            "jul", "aug", "sep", "oct", "nov", "dec"};

/* Does `name` (or its first `len` letters) spell the word at *p, any case,
 * with no letter after it? Advances *p if so. */
static int read_word(const char **p, const char *name, size_t len) {
  size_t i = 0;
  for (; i < len; i++)
    if (lower((*p)[i]) != name[i])
      return 0;
  if (is_alpha((*p)[i]))
    return 0;
  *p += len;
  return 1;
}

/* "sat" or "saturday", any case: 0..6, or -1. */
static int read_day(const char **p) {
  for (int d = 0; d < 7; d++)
    if (read_word(p, day_names[d], 3) || read_word(p, day_names[d], strlen(day_names[d])))
      return d;
  return -1;
}

/* "H:MM", "HH:MM", and with `secs` also ":SS". Syntax only: the caller
 * range-checks with clock_ok() once the rest of the string has been read. */
static int read_clock(const char **p, int secs, int *h, int *m, int *s) {
  int64_t hv, mv, sv = 0;
  int nh = read_digits(p, &hv);
  if (nh < 1 || nh > 2 || **p != ':')
    return QUN_EINVAL;
  (*p)++;
  if (!read_fixed(p, 2, &mv))
    return QUN_EINVAL;
  if (secs && **p == ':') {
    (*p)++;
    if (!read_fixed(p, 2, &sv))
      return QUN_EINVAL;
  }
  if (is_digit(**p) || **p == ':')
    return QUN_EINVAL;
  *h = (int)hv, *m = (int)mv, *s = (int)sv; /* at most two digits each */
  return 0;
}

static int clock_ok(int h, int m, int s) {
  return h <= 23 && m <= 59 && s <= 59;
}

/* "2026-11-28 20:00[:05]" in the zone, or RFC 3339
 * "2026-11-28T20:00:00+08:00" / "...Z" (seconds and offset required, no
 * fractions). Results before the epoch are QUN_ERANGE. */
static int parse_absolute(const char *p, int64_t *out) {
  int64_t y, mo, d, t;
  int h, mi, s, range = 0;
  if (!read_fixed(&p, 4, &y) || *p++ != '-' || !read_fixed(&p, 2, &mo) || *p++ != '-' ||
      !read_fixed(&p, 2, &d))
    return QUN_EINVAL;
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month((int)y, (int)mo))
    range = 1;
  char sep = *p++;
  if (sep != ' ' && sep != 'T' && sep != 't')
    return QUN_EINVAL;
  if (sep != ' ' && !(is_digit(p[0]) && is_digit(p[1]) && p[2] == ':' && is_digit(p[3]) &&
                      is_digit(p[4]) && p[5] == ':'))
    return QUN_EINVAL; /* RFC 3339 wants HH:MM:SS */
  if (read_clock(&p, 1, &h, &mi, &s) < 0)
    return QUN_EINVAL;
  range |= !clock_ok(h, mi, s);
  struct tm tm = {.tm_year = (int)y - 1900, .tm_mon = (int)mo - 1,
                  .tm_mday = (int)d, .tm_hour = h, .tm_min = mi, .tm_sec = s};
  if (sep == ' ') {
    if (*p)
      return QUN_EINVAL;
    if (range)
      return QUN_ERANGE;
    t = qun_tz_mktime(&tm);
  } else {
    int64_t off = 0, oh, om;
    if (*p == 'Z' || *p == 'z') {
      p++;
    } else if (*p == '+' || *p == '-') {
      int neg = *p++ == '-';
      if (!read_fixed(&p, 2, &oh) || *p++ != ':' || !read_fixed(&p, 2, &om))
        return QUN_EINVAL;
      range |= oh > 23 || om > 59;
      off = (oh * 3600 + om * 60) * (neg ? -1 : 1);
    } else {
      return QUN_EINVAL;
    }
    if (*p)
      return QUN_EINVAL;
    if (range)
      return QUN_ERANGE;
    t = (int64_t)timegm(&tm) - off;
  }
  if (t < 0)
    return QUN_ERANGE;
  *out = t;
  return 0;
}

static void daily_spec(struct qun_spec *sp, uint8_t wdays, int h, int m, int s) {
  memset(sp, 0, sizeof *sp);
  sp->kind = QUN_SPEC_DAILY;
  sp->minutes = (uint64_t)1 << m;
  sp->hours = (uint32_t)1 << h;
  sp->mdays = 0xfffffffeu;
  sp->months = 0x1ffe;
  sp->wdays = wdays;
  sp->mday_any = 1; /* so the day is decided by wdays alone */
  sp->wday_any = wdays == 0x7f;
  sp->second = s;
}

int qun_time_parse(const char *s, int64_t now, int64_t *t) {
  if (!s || !*s)
    return QUN_EINVAL;
  if (is_digit(s[0]) && is_digit(s[1]) && is_digit(s[2]) && is_digit(s[3]) && s[4] == '-')
    return parse_absolute(s, t);
  const char *p = s;
  uint8_t wdays = 0x7f;
  if (is_alpha(*p)) {
    int d = read_day(&p);
    if (d < 0 || *p++ != ' ')
      return QUN_EINVAL;
    wdays = (uint8_t)(1u << d);
  }
  int h, m, sec;
  if (read_clock(&p, 1, &h, &m, &sec) < 0 || *p || now == INT64_MIN)
    return QUN_EINVAL;
  if (!clock_ok(h, m, sec))
    return QUN_ERANGE;
  /* "At or after now" is "strictly after now - 1 s" of the same wall
   * time as a spec, so DST gaps and folds behave as they do for specs. */
  struct qun_spec sp;
  daily_spec(&sp, wdays, h, m, sec);
  int64_t r = qun_spec_next(&sp, 0, now - 1);
  if (r < 0)
    return QUN_ERANGE;
  *t = r;
  return 0;
}

/* ---- recurring specs ---- */

/* "mon-fri", "sat,sun", "fri-mon" (wraps over the weekend, so "sat-sun"
 * reads as written). */
static int parse_days(const char **p, uint8_t *wdays) {
  *wdays = 0;
  for (;;) {
    int a = read_day(p), b = a;
    if (a < 0)
      return QUN_EINVAL;
    if (**p == '-') {
      (*p)++;
      if ((b = read_day(p)) < 0)
        return QUN_EINVAL;
    }
    for (int d = a;; d = (d + 1) % 7) {
      *wdays |= (uint8_t)(1u << d);
      if (d == b)
        break;
    }
    if (**p != ',')
      return 0;
    (*p)++;
  }
}

struct cron_range {
  int lo, hi;
  const char *const *names; /* 3-letter names for lo, lo + 1, ... or NULL */
  int nnames;
};

static int cron_value(const char **p, const struct cron_range *r, int64_t *v) {
  if (read_digits(p, v))
    return 0;
  for (int i = 0; r->names && i < r->nnames; i++)
    if (read_word(p, r->names[i], 3)) {
      *v = r->lo + i;
      return 0;
    }
  return QUN_EINVAL;
}

/* One field of a cron line: a comma list of "*", "N" or "A-B" (numbers or
 * names), each "*" or range optionally "/step". "N/step" is refused: crons
 * disagree on what it means. */
static int cron_field(const char *f, const char *end, const struct cron_range *r,
                      uint64_t *bits) {
  int range_err = 0;
  *bits = 0;
  const char *p = f;
  for (;;) {
    int64_t a, b, step = 1;
    int span = 1;
    if (*p == '*') {
      p++;
      a = r->lo, b = r->hi;
    } else {
      if (cron_value(&p, r, &a) < 0)
        return QUN_EINVAL;
      b = a;
      span = *p == '-';
      if (span) {
        p++;
        if (cron_value(&p, r, &b) < 0)
          return QUN_EINVAL;
        if (r->hi == 7 && b == 0 && a > 0)
          b = 7; /* "mon-sun": Sunday as 7 */
      }
    }
    if (*p == '/') {
      p++;
      if (!span || !read_digits(&p, &step))
        return QUN_EINVAL;
      range_err |= step < 1 || step > r->hi;
    }
    if (p != end && *p != ',')
      return QUN_EINVAL;
    if (a < r->lo || b > r->hi)
      range_err = 1;
    else if (a > b)
      return QUN_EINVAL;
    if (!range_err)
      for (int64_t v = a; v <= b; v += step)
        *bits |= (uint64_t)1 << v;
    if (p == end)
      break;
    p++;
  }
  return range_err ? QUN_ERANGE : 0;
}

static int parse_cron(const char *s, struct qun_spec *sp) {
  static const char *const wnames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  static const struct cron_range ranges[5] = {
      {0, 59, NULL, 0}, {0, 23, NULL, 0}, {1, 31, NULL, 0}, {1, 12, month_names, 12}, {0, 7, wnames, 7}};
  uint64_t bits[5];
  int range_err = 0;
  const char *p = s;
  for (int i = 0; i < 5; i++) {
    if (i > 0) { /* fields are separated by blanks, as in a crontab */
      if (*p != ' ' && *p != '\t')
        return QUN_EINVAL;
      while (*p == ' ' || *p == '\t')
        p++;
    }
    const char *f = p;
    while (*p && *p != ' ' && *p != '\t')
      p++;
    if (p == f)
      return QUN_EINVAL;
    int rc = cron_field(f, p, &ranges[i], &bits[i]);
    if (rc == QUN_EINVAL)
      return rc;
    range_err |= rc < 0;
    if (i == 2)
      sp->mday_any = *f == '*'; /* Vixie: "*" and "*\/2" both count as "*" */
    if (i == 4)
      sp->wday_any = *f == '*';
  }
  if (*p)
    return QUN_EINVAL;
  if (range_err)
    return QUN_ERANGE;
  sp->kind = QUN_SPEC_CRON;
  sp->minutes = bits[0];
  sp->hours = (uint32_t)bits[1];
  sp->mdays = (uint32_t)bits[2];
  sp->months = (uint16_t)bits[3];
  sp->wdays = (uint8_t)((bits[4] | bits[4] >> 7) & 0x7f); /* 7 is Sunday too */
  return 0;
}

int qun_spec_parse(const char *s, struct qun_spec *spec) {
  if (!s || !*s)
    return QUN_EINVAL;
  struct qun_spec sp;
  memset(&sp, 0, sizeof sp);
  int rc;
  const char *p = s;
  if (read_word(&p, "every", 5)) {
    if (*p++ != ' ')
      return QUN_EINVAL;
    sp.kind = QUN_SPEC_EVERY;
    if ((rc = qun_duration_parse(p, &sp.every)) < 0)
      return rc;
    if (sp.every < 1)
      return QUN_ERANGE;
  } else if (strchr(s, ':')) {
    uint8_t wdays = 0x7f;
    if (is_alpha(*p) && (parse_days(&p, &wdays) < 0 || *p++ != ' '))
      return QUN_EINVAL;
    int h, m, sec;
    if (read_clock(&p, 1, &h, &m, &sec) < 0 || *p)
      return QUN_EINVAL;
    if (!clock_ok(h, m, sec))
      return QUN_ERANGE;
    daily_spec(&sp, wdays, h, m, sec);
  } else if ((rc = parse_cron(s, &sp)) < 0) {
    return rc;
  }
  *spec = sp;
  return 0;
}

/* Vixie cron: when day-of-month or day-of-week is "*", both must match
 * (the "*" one always does); when both are restricted, either may. */
static int day_matches(const struct qun_spec *sp, const struct date *dt) {
  int md = (sp->mdays >> dt->d) & 1, wd = (sp->wdays >> dt->wd) & 1;
  if (sp->mday_any || sp->wday_any)
    return md && wd;
  return md || wd;
}

/* The first (h, m) of the sets whose time (h, m, sec) is later than
 * (h0, m0, s0); h0 = -1 for the start of a day. 0 if none that day.
 * Both sets are known to be non-empty. */
static int next_clock(const struct qun_spec *sp, int sec, int h0, int m0, int s0, int *h, int *m) {
  uint64_t minutes = sp->minutes & ((UINT64_C(1) << 60) - 1);
  uint32_t hours = sp->hours & 0xffffffu;
  if (h0 >= 0) {
    int from = sec > s0 ? m0 : m0 + 1;
    if ((hours >> h0 & 1) && from < 60 && (minutes >> from)) {
      *h = h0;
      *m = from + __builtin_ctzll(minutes >> from);
      return 1;
    }
  }
  if (h0 >= 23 || !(hours >> (h0 + 1)))
    return 0;
  *h = h0 + 1 + __builtin_ctz(hours >> (h0 + 1));
  *m = __builtin_ctzll(minutes);
  return 1;
}

static int64_t next_every(const struct qun_spec *sp, int64_t anchor, int64_t after) {
  if (sp->every < 1)
    return -1;
  if (after < anchor)
    return anchor;
  uint64_t k = ((uint64_t)after - (uint64_t)anchor) / (uint64_t)sp->every + 1;
  int64_t step, t;
  if (k > INT64_MAX || __builtin_mul_overflow((int64_t)k, sp->every, &step) ||
      __builtin_add_overflow(anchor, step, &t))
    return -1;
  return t;
}

/* Day by day from after's local date; on a matching day the candidate
 * clock times come from the bit sets in order. qun_tz_mktime is monotonic
 * in the wall time (a gap maps to its end, a fold to its first pass), so
 * the first candidate later than after's own wall time that maps past
 * after is the answer: a skipped time lands on the gap's end, and a
 * repeated one is already behind `after` on its second pass. */
int64_t qun_spec_next(const struct qun_spec *spec, int64_t anchor, int64_t after) {
  if (spec->kind == QUN_SPEC_EVERY)
    return next_every(spec, anchor, after);
  if (spec->kind != QUN_SPEC_DAILY && spec->kind != QUN_SPEC_CRON)
    return -1;
  int sec = spec->kind == QUN_SPEC_DAILY ? spec->second : 0;
  if (sec < 0 || sec > 59 || !(spec->minutes & ((UINT64_C(1) << 60) - 1)) ||
      !(spec->hours & 0xffffffu))
    return -1;
  struct tm lt;
  qun_tz_local(after, &lt);
  struct date dt = {lt.tm_year + 1900, lt.tm_mon + 1, lt.tm_mday, lt.tm_wday};
  int h0 = lt.tm_hour, m0 = lt.tm_min, s0 = lt.tm_sec;
  for (int days = 0; days <= HORIZON_DAYS; h0 = m0 = s0 = -1) {
    if (!(spec->months >> dt.m & 1)) {
      days += date_step(&dt, 1);
      continue;
    }
    if (day_matches(spec, &dt)) {
      int h, m;
      for (int ok = next_clock(spec, sec, h0, m0, s0, &h, &m); ok;
           ok = next_clock(spec, sec, h, m, sec, &h, &m)) {
        int64_t t = local_instant(&dt, h, m, sec);
        if (t > after)
          return t;
      }
    }
    days += date_step(&dt, 0);
  }
  return -1;
}
