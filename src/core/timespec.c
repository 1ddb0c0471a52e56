/* timespec.c — durations, money, times and recurring specs (timespec.h). */
#include "core/timespec.h"
#include "core/err.h"
#include "core/tz.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MAX_SECS ((int64_t)100 * 366 * 86400) /* a century is enough */
#define MAX_FEN ((int64_t)1000000000000)      /* 10 000 000 000.00 yuan */

/* Reads 1..maxdigits decimal digits; returns the count read, 0 if none. */
static int read_uint(const char **p, int maxdigits, int64_t *v) {
  int n = 0;
  int64_t x = 0;
  while (isdigit((unsigned char)**p)) {
    if (++n > maxdigits)
      return 0;
    x = x * 10 + (**p - '0');
    (*p)++;
  }
  *v = x;
  return n;
}

int qun_duration_parse(const char *s, int64_t *secs) {
  static const struct { char unit; int64_t secs; } units[] = {{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};
  const char *p = s;
  int64_t total = 0;
  size_t next = 0; /* units must come in order d h m s, each once */
  if (!*p)
    return QUN_EINVAL;
  while (*p) {
    int64_t v;
    if (!read_uint(&p, 9, &v))
      return QUN_EINVAL;
    size_t u = next;
    while (u < 4 && units[u].unit != *p)
      u++;
    if (u == 4)
      return QUN_EINVAL;
    p++;
    next = u + 1;
    total += v * units[u].secs;
    if (total > MAX_SECS)
      return QUN_ERANGE;
  }
  *secs = total;
  return 0;
}

void qun_duration_format(int64_t secs, char *buf, size_t n) {
  if (secs <= 0) {
    snprintf(buf, n, secs == 0 ? "0s" : "-");
    return;
  }
  static const struct { char unit; int64_t secs; } units[] = {{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};
  size_t len = 0;
  buf[0] = '\0';
  for (size_t u = 0; u < 4 && len < n; u++) {
    int64_t v = secs / units[u].secs;
    secs %= units[u].secs;
    if (v)
      len += (size_t)snprintf(buf + len, n - len, "%lld%c", (long long)v, units[u].unit);
  }
}

void qun_duration_format_zh(int64_t secs, char *buf, size_t n) {
  if (secs < 0)
    secs = 0;
  if (secs < 60) {
    snprintf(buf, n, "%lld秒", (long long)secs);
    return;
  }
  int64_t d = secs / 86400, h = secs % 86400 / 3600, m = secs % 3600 / 60;
  size_t len = 0;
  buf[0] = '\0';
  if (d)
    len += (size_t)snprintf(buf + len, n - len, "%lld天", (long long)d);
  if (h && len < n)
    len += (size_t)snprintf(buf + len, n - len, "%lld小时", (long long)h);
  if (m && len < n)
    snprintf(buf + len, n - len, (d || h) ? "%lld分" : "%lld分钟", (long long)m);
}

int qun_money_parse(const char *s, int64_t *fen) {
  const char *p = s;
  int64_t yuan, cents = 0;
  int n = read_uint(&p, 13, &yuan);
  if (!n)
    return *p && isdigit((unsigned char)*p) ? QUN_ERANGE : QUN_EINVAL;
  if (*p == '.') {
    p++;
    int64_t frac;
    int k = read_uint(&p, 2, &frac);
    if (k == 0)
      return isdigit((unsigned char)*p) ? QUN_EINVAL : QUN_EINVAL;
    cents = k == 1 ? frac * 10 : frac;
  }
  if (*p)
    return QUN_EINVAL;
  if (yuan > MAX_FEN / 100 || yuan * 100 + cents > MAX_FEN)
    return QUN_ERANGE;
  *fen = yuan * 100 + cents;
  return 0;
}

void qun_money_format(int64_t fen, char *buf, size_t n) {
  const char *sign = fen < 0 ? "-" : "";
  if (fen < 0)
    fen = -fen;
  snprintf(buf, n, "%s%lld.%02lld", sign, (long long)(fen / 100), (long long)(fen % 100));
}

/* ---- times ---- */

static const char *const day_names[7][2] = {
    {"sun", "sunday"}, {"mon", "monday"}, {"tue", "tuesday"}, {"wed", "wednesday"},
    {"thu", "thursday"}, {"fri", "friday"}, {"sat", "saturday"}};
static const char *const month_names[12] = {"jan", "feb", "mar", "apr", "may", "jun",
                                            "jul", "aug", "sep", "oct", "nov", "dec"};

/* A day name at *p (short or full, any case) followed by a non-letter. */
static int read_day(const char **p) {
  for (int d = 0; d < 7; d++)
    for (int f = 1; f >= 0; f--) {
      size_t n = strlen(day_names[d][f]);
      if (strncasecmp(*p, day_names[d][f], n) == 0 && !isalpha((unsigned char)(*p)[n])) {
        *p += n;
        return d;
      }
    }
  return -1;
}

/* "HH:MM" or "HH:MM:SS" (one or two hour digits). */
static int read_clock(const char **p, int *h, int *m, int *s, int allow_secs) {
  int64_t v;
  int n = read_uint(p, 2, &v);
  if (!n || v > 23 || **p != ':')
    return QUN_EINVAL;
  *h = (int)v;
  (*p)++;
  if (read_uint(p, 2, &v) != 2 || v > 59)
    return QUN_EINVAL;
  *m = (int)v;
  *s = 0;
  if (allow_secs && **p == ':') {
    (*p)++;
    if (read_uint(p, 2, &v) != 2 || v > 59)
      return QUN_EINVAL;
    *s = (int)v;
  }
  return 0;
}

static int days_in_month(int y, int mon) { /* mon 1..12 */
  static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return dm[mon - 1] + (mon == 2 && leap);
}

static int64_t local_time(int y, int mon, int d, int h, int m, int s) {
  struct tm tm = {.tm_year = y - 1900, .tm_mon = mon - 1, .tm_mday = d,
                  .tm_hour = h, .tm_min = m, .tm_sec = s};
  return qun_tz_mktime(&tm);
}

/* The first day (0..7 days on from now's date) whose wday is in `wdays`
 * and whose h:m:s is at or after now. */
static int64_t next_clock(int64_t now, uint8_t wdays, int h, int m, int s, int inclusive) {
  struct tm today;
  qun_tz_local(now, &today);
  for (int k = 0; k <= 8; k++) {
    struct tm day = {.tm_year = today.tm_year, .tm_mon = today.tm_mon,
                     .tm_mday = today.tm_mday + k, .tm_hour = 12};
    time_t noon = timegm(&day);
    gmtime_r(&noon, &day);
    if (!(wdays & (1u << day.tm_wday)))
      continue;
    int64_t t = local_time(day.tm_year + 1900, day.tm_mon + 1, day.tm_mday, h, m, s);
    if (inclusive ? t >= now : t > now)
      return t;
  }
  return -1;
}

int qun_time_parse(const char *s, int64_t now, int64_t *t) {
  const char *p = s;
  int h, m, sec;
  if (isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]) &&
      isdigit((unsigned char)p[3]) && p[4] == '-') {
    int64_t y, mon, d;
    if (read_uint(&p, 4, &y) != 4 || *p++ != '-' || read_uint(&p, 2, &mon) != 2 || *p++ != '-' ||
        read_uint(&p, 2, &d) != 2)
      return QUN_EINVAL;
    if (y < 1970 || mon < 1 || mon > 12 || d < 1 || d > days_in_month((int)y, (int)mon))
      return QUN_ERANGE;
    char sep = *p++;
    if (sep != ' ' && sep != 'T')
      return QUN_EINVAL;
    if (read_clock(&p, &h, &m, &sec, 1) < 0)
      return QUN_EINVAL;
    if (!*p) {
      *t = local_time((int)y, (int)mon, (int)d, h, m, sec);
      return 0;
    }
    int64_t off = 0;
    if (*p == 'Z' || *p == 'z') {
      p++;
    } else if (*p == '+' || *p == '-') {
      int neg = *p++ == '-';
      int64_t oh, om;
      if (read_uint(&p, 2, &oh) != 2 || *p++ != ':' || read_uint(&p, 2, &om) != 2 || oh > 23 || om > 59)
        return QUN_EINVAL;
      off = (oh * 3600 + om * 60) * (neg ? -1 : 1);
    } else {
      return QUN_EINVAL;
    }
    if (*p)
      return QUN_EINVAL;
    struct tm tm = {.tm_year = (int)y - 1900, .tm_mon = (int)mon - 1, .tm_mday = (int)d,
                    .tm_hour = h, .tm_min = m, .tm_sec = sec};
    *t = (int64_t)timegm(&tm) - off;
    return 0;
  }
  uint8_t wdays = 0x7f;
  if (isalpha((unsigned char)*p)) {
    int d = read_day(&p);
    if (d < 0 || *p++ != ' ')
      return QUN_EINVAL;
    wdays = (uint8_t)(1u << d);
  }
  if (read_clock(&p, &h, &m, &sec, 1) < 0 || *p)
    return QUN_EINVAL;
  int64_t r = next_clock(now, wdays, h, m, sec, 1);
  if (r < 0)
    return QUN_ERANGE;
  *t = r;
  return 0;
}

/* ---- recurring specs ---- */

/* One cron field: "*", "N", "N-M", "A,B", with "/step"; names if given. */
static int cron_field(const char *f, size_t len, int lo, int hi, const char *const *names,
                      int name_base, uint64_t *bits) {
  char buf[128];
  if (len == 0 || len >= sizeof buf)
    return QUN_EINVAL;
  memcpy(buf, f, len);
  buf[len] = '\0';
  *bits = 0;
  char *save = NULL;
  for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
    const char *p = item;
    int64_t a, b, step = 1;
    int range = 0;
    if (*p == '*') {
      a = lo, b = hi, range = 1;
      p++;
    } else {
      for (int pass = 0; pass < 2; pass++) {
        int64_t v = -1;
        if (isdigit((unsigned char)*p)) {
          if (!read_uint(&p, 2, &v))
            return QUN_EINVAL;
        } else if (names) {
          for (int k = 0; k <= hi - name_base && v < 0; k++)
            if (names[k] && strncasecmp(p, names[k], 3) == 0 && !isalpha((unsigned char)p[3]))
              v = k + name_base, p += 3;
        }
        if (v < 0)
          return QUN_EINVAL;
        if (pass == 0)
          a = b = v;
        else
          b = v;
        if (pass == 0 && *p == '-') {
          p++;
          range = 1;
          continue;
        }
        break;
      }
    }
    if (*p == '/') {
      p++;
      if (!read_uint(&p, 2, &step) || step < 1)
        return QUN_EINVAL;
      if (!range)
        b = hi; /* "5/15": from 5 to the end */
    }
    if (*p || a < lo || b > hi || a > b)
      return QUN_EINVAL;
    for (int64_t v = a; v <= b; v += step)
      *bits |= (uint64_t)1 << v;
  }
  return 0;
}

static int parse_cron(const char *s, struct qun_spec *spec) {
  const char *field[5];
  size_t flen[5];
  const char *p = s;
  for (int i = 0; i < 5; i++) {
    while (*p == ' ' || *p == '\t')
      p++;
    if (!*p)
      return QUN_EINVAL;
    field[i] = p;
    while (*p && *p != ' ' && *p != '\t')
      p++;
    flen[i] = (size_t)(p - field[i]);
  }
  while (*p == ' ' || *p == '\t')
    p++;
  if (*p)
    return QUN_EINVAL;
  static const char *const wnames[8] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  uint64_t bits;
  spec->kind = QUN_SPEC_CRON;
  if (cron_field(field[0], flen[0], 0, 59, NULL, 0, &bits) < 0)
    return QUN_EINVAL;
  spec->minutes = bits;
  if (cron_field(field[1], flen[1], 0, 23, NULL, 0, &bits) < 0)
    return QUN_EINVAL;
  spec->hours = (uint32_t)bits;
  if (cron_field(field[2], flen[2], 1, 31, NULL, 0, &bits) < 0)
    return QUN_EINVAL;
  spec->mdays = (uint32_t)bits;
  if (cron_field(field[3], flen[3], 1, 12, month_names, 1, &bits) < 0)
    return QUN_EINVAL;
  spec->months = (uint16_t)bits;
  if (cron_field(field[4], flen[4], 0, 7, wnames, 0, &bits) < 0)
    return QUN_EINVAL;
  if (bits & (1u << 7))
    bits = (bits | 1u) & 0x7f; /* 7 is Sunday too */
  spec->wdays = (uint8_t)bits;
  spec->mday_any = field[2][0] == '*';
  spec->wday_any = field[4][0] == '*';
  return 0;
}

/* "mon-fri", "sat,sun", "sat": a set of days. */
static int parse_days(const char **p, uint8_t *wdays) {
  *wdays = 0;
  for (;;) {
    int a = read_day(p), b;
    if (a < 0)
      return QUN_EINVAL;
    b = a;
    if (**p == '-') {
      (*p)++;
      if ((b = read_day(p)) < 0)
        return QUN_EINVAL;
    }
    for (int d = a;; d = (d + 1) % 7) { /* "fri-mon" wraps over the weekend */
      *wdays |= (uint8_t)(1u << d);
      if (d == b)
        break;
    }
    if (**p != ',')
      return 0;
    (*p)++;
  }
}

int qun_spec_parse(const char *s, struct qun_spec *spec) {
  memset(spec, 0, sizeof *spec);
  const char *p = s;
  if (strncmp(p, "every ", 6) == 0) {
    spec->kind = QUN_SPEC_EVERY;
    int rc = qun_duration_parse(p + 6, &spec->every);
    if (rc < 0)
      return rc;
    return spec->every >= 1 ? 0 : QUN_ERANGE;
  }
  if (strchr(s, ':')) {
    spec->kind = QUN_SPEC_DAILY;
    spec->mdays = 0xfffffffe;
    spec->months = 0x1ffe;
    spec->mday_any = 1;
    spec->wday_any = 1;
    spec->wdays = 0x7f;
    if (isalpha((unsigned char)*p)) {
      if (parse_days(&p, &spec->wdays) < 0 || *p++ != ' ')
        return QUN_EINVAL;
      spec->wday_any = spec->wdays == 0x7f;
    }
    int h, m, sec;
    if (read_clock(&p, &h, &m, &sec, 1) < 0 || *p)
      return QUN_EINVAL;
    spec->hours = 1u << h;
    spec->minutes = (uint64_t)1 << m;
    spec->second = sec;
    return 0;
  }
  return parse_cron(s, spec);
}

static int day_matches(const struct qun_spec *spec, const struct tm *day) {
  if (!(spec->months & (1u << (day->tm_mon + 1))))
    return 0;
  int md = (spec->mdays >> day->tm_mday) & 1, wd = (spec->wdays >> day->tm_wday) & 1;
  if (spec->mday_any && spec->wday_any)
    return 1;
  if (spec->mday_any)
    return wd;
  if (spec->wday_any)
    return md;
  return md || wd; /* both restricted: either matches (Vixie cron) */
}

int64_t qun_spec_next(const struct qun_spec *spec, int64_t anchor, int64_t after) {
  if (spec->kind == QUN_SPEC_EVERY) {
    int64_t d = after - anchor, k = d / spec->every - (d % spec->every < 0);
    return anchor + (k + 1) * spec->every;
  }
  struct tm start;
  qun_tz_local(after, &start);
  for (int k = 0; k <= 5 * 366; k++) {
    struct tm day = {.tm_year = start.tm_year, .tm_mon = start.tm_mon,
                     .tm_mday = start.tm_mday + k, .tm_hour = 12};
    time_t noon = timegm(&day);
    gmtime_r(&noon, &day);
    if (!day_matches(spec, &day))
      continue;
    /* On the first day, hours before `after`'s local hour cannot follow it. */
    int h0 = k == 0 ? start.tm_hour : 0;
    for (int h = h0; h < 24; h++) {
      if (!(spec->hours & (1u << h)))
        continue;
      for (int m = 0; m < 60; m++) {
        if (!(spec->minutes & ((uint64_t)1 << m)))
          continue;
        int64_t t = local_time(day.tm_year + 1900, day.tm_mon + 1, day.tm_mday, h, m, spec->second);
        if (t > after)
          return t;
      }
    }
  }
  return -1;
}
