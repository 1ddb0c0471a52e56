/* tz.c — the run's time zone (see tz.h).
 *
 * Conversions go through glibc (TZ + tzset, localtime_r, timegm). Only
 * local → epoch is done here rather than by mktime(3): glibc's mktime
 * with tm_isdst = -1 leaves the DST gap and fold cases unspecified, and
 * tz.h promises "just after the gap" and "the earlier instant". */
#include "core/tz.h"
#include "core/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DAY 86400

static char zone[256];

/* A zone name is a relative path into the tz database. Anything that could
 * leave the database ("..", "/etc/x") or that glibc would read as a POSIX
 * TZ rule ("EST5EDT,M3.2.0,...", "<+08>-8") is refused before touching
 * the file system. */
static int valid_name(const char *name) {
  size_t len = strlen(name);
  if (len == 0 || len >= sizeof zone || name[0] == '/' || name[len - 1] == '/')
    return 0;
  for (const char *p = name; *p; p++) {
    char c = *p;
    int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
             c == '_' || c == '+' || c == '-' || c == '/';
    if (!ok || (c == '/' && p[1] == '/'))
      return 0;
  }
  return 1;
}

/* The database also holds text files (leapseconds, posixrules' neighbours);
 * glibc would read those as garbage and fall back to UTC without a word,
 * so insist on the TZif magic. */
static int is_zone_file(const char *path) {
  struct stat st;
  char magic[4];
  if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
    return 0;
  FILE *f = fopen(path, "rb");
  if (!f)
    return 0;
  size_t got = fread(magic, 1, sizeof magic, f);
  fclose(f);
  return got == sizeof magic && memcmp(magic, "TZif", 4) == 0;
}

int qun_tz_set(const char *name) {
  if (!name || !valid_name(name))
    return QUN_EINVAL;
  const char *dir = getenv("TZDIR");
  if (!dir || !*dir)
    dir = "/usr/share/zoneinfo";
  char path[4096];
  int len = snprintf(path, sizeof path, "%s/%s", dir, name);
  if (len < 0 || (size_t)len >= sizeof path)
    return QUN_EINVAL;
  if (!is_zone_file(path))
    return QUN_ENOENT;
  if (setenv("TZ", name, 1) < 0)
    return QUN_ENOMEM;
  tzset();
  memcpy(zone, name, strlen(name) + 1);
  return 0;
}

const char *qun_tz_name(void) {
  return zone[0] ? zone : NULL;
}

void qun_tz_local(int64_t t, struct tm *out) {
  time_t tt = (time_t)t;
  if (!localtime_r(&tt, out))
    memset(out, 0, sizeof *out); /* year beyond int: nothing sensible to say */
}

int qun_tz_offset(int64_t t) {
  struct tm tm;
  time_t tt = (time_t)t;
  if (!localtime_r(&tt, &tm))
    return 0;
  return (int)tm.tm_gmtoff;
}

/* Local wall time t + offset(t); the function mktime inverts. */
static int64_t wall_at(int64_t t) {
  return t + qun_tz_offset(t);
}

static void add_offset(int *offs, int *n, int o) {
  for (int i = 0; i < *n; i++)
    if (offs[i] == o)
      return;
  offs[(*n)++] = o;
}

int64_t qun_tz_mktime(const struct tm *local) {
  struct tm tmp = *local;
  tmp.tm_isdst = 0;
  int64_t w = (int64_t)timegm(&tmp); /* the wall time read as UTC, normalised */

  /* Every instant whose wall time is w is w - o for an offset o in force
   * within a day of w; collect those offsets, then the offsets in force at
   * the resulting candidates (a transition may sit between w and w - o). */
  int offs[6], n = 0;
  add_offset(offs, &n, qun_tz_offset(w - DAY));
  add_offset(offs, &n, qun_tz_offset(w));
  add_offset(offs, &n, qun_tz_offset(w + DAY));
  for (int i = 0, first = n; i < first; i++)
    add_offset(offs, &n, qun_tz_offset(w - offs[i]));

  int64_t best = 0, lo = 0, hi = 0;
  int found = 0;
  for (int i = 0; i < n; i++) {
    int64_t t = w - offs[i];
    if (qun_tz_offset(t) == offs[i] && (!found || t < best)) {
      best = t;
      found = 1;
    }
    if (i == 0 || t < lo)
      lo = t;
    if (i == 0 || t > hi)
      hi = t;
  }
  if (found)
    return best; /* the earliest, so a fold gives the first pass */

  /* A gap: wall_at jumps over w between lo and hi, and is increasing
   * across a single forward transition. The first instant whose wall
   * time passes w is the transition itself. */
  if (wall_at(lo) > w || wall_at(hi) <= w)
    return w - qun_tz_offset(w); /* not a shape the tz database makes */
  while (hi - lo > 1) {
    int64_t mid = lo + (hi - lo) / 2;
    if (wall_at(mid) > w)
      hi = mid;
    else
      lo = mid;
  }
  return hi;
}

void qun_tz_rfc3339(int64_t t, char *buf, size_t n) {
  struct tm tm;
  qun_tz_local(t, &tm);
  long off = tm.tm_gmtoff;
  if (off % 60 != 0) {
    /* Local mean time before ~1900 (Shanghai was +08:05:43): RFC 3339
     * offsets have no seconds, so say the instant in UTC instead. */
    time_t tt = (time_t)t;
    if (!gmtime_r(&tt, &tm))
      memset(&tm, 0, sizeof tm);
    snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return;
  }
  char sign = off < 0 ? '-' : '+';
  if (off < 0)
    off = -off;
  snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, sign, off / 3600,
           off / 60 % 60);
}
