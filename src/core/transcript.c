/* transcript.c — transcript lines (see transcript.h). */
#include "core/transcript.h"
#include "core/tz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int64_t floor_div(int64_t a, int64_t b) {
  return a / b - (a % b < 0);
}

json_t *qun_transcript_time(int64_t t_ms) {
  char buf[40];
  qun_tz_rfc3339(floor_div(t_ms, 1000), buf, sizeof buf);
  return json_string(buf);
}

char *qun_transcript_line(int64_t t_ms, const char *ev, json_t *fields) {
  json_t *line = json_object();
  char *s = NULL;
  if (line && json_object_set_new(line, "t", qun_transcript_time(t_ms)) == 0 &&
      json_object_set_new(line, "ev", json_string(ev)) == 0 &&
      (!fields || json_object_update(line, fields) == 0))
    s = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(fields);
  json_decref(line);
  return s;
}

/* ---- the event line, directly ---- */

struct buf {
  char *s;
  size_t len, cap;
  int failed;
};

#define PUTS(b, lit) put(b, lit, sizeof lit - 1)

static void put(struct buf *b, const char *s, size_t n) {
  if (b->failed)
    return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = (b->len + n + 1) * 2;
    char *p = realloc(b->s, cap);
    if (!p) {
      b->failed = 1;
      return;
    }
    b->s = p, b->cap = cap;
  }
  memcpy(b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = '\0';
}

/* Bytes in the UTF-8 sequence starting at s, or 0 if it is not one that
 * jansson accepts (overlong forms, surrogates and > U+10FFFF are not). */
static size_t utf8_seq(const unsigned char *s) {
  size_t n;
  uint32_t v;
  if (s[0] < 0x80)
    return 1;
  if (s[0] < 0xC2)
    return 0;
  if (s[0] < 0xE0)
    n = 2, v = s[0] & 0x1F;
  else if (s[0] < 0xF0)
    n = 3, v = s[0] & 0x0F;
  else if (s[0] <= 0xF4)
    n = 4, v = s[0] & 0x07;
  else
    return 0;
  for (size_t i = 1; i < n; i++) {
    if (s[i] < 0x80 || s[i] > 0xBF)
      return 0;
    v = (v << 6) | (s[i] & 0x3F);
  }
  if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) || (n == 3 && v < 0x800) || (n == 4 && v < 0x10000))
    return 0;
  return n;
}

/* A JSON string as jansson dumps it (compact, UTF-8 kept); -1 if s is not
 * valid UTF-8 (jansson would refuse the string). */
static int put_string(struct buf *b, const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  for (size_t n; *p; p += n)
    if (!(n = utf8_seq(p)))
      return -1;
  PUTS(b, "\"");
  const char *run = s;
  for (p = (const unsigned char *)s; *p; p++) {
    if (*p != '"' && *p != '\\' && *p >= 0x20)
      continue;
    put(b, run, (size_t)((const char *)p - run));
    char esc[8];
    switch (*p) {
    case '"': PUTS(b, "\\\""); break;
    case '\\': PUTS(b, "\\\\"); break;
    case '\b': PUTS(b, "\\b"); break;
    case '\f': PUTS(b, "\\f"); break;
    case '\n': PUTS(b, "\\n"); break;
    case '\r': PUTS(b, "\\r"); break;
    case '\t': PUTS(b, "\\t"); break;
    default:
      snprintf(esc, sizeof esc, "\\u%04X", *p);
      put(b, esc, 6);
    }
    run = (const char *)p + 1;
  }
  put(b, run, strlen(run));
  PUTS(b, "\"");
  return 0;
}

static int put_field(struct buf *b, const char *key, const char *v) {
  PUTS(b, ",\"");
  put(b, key, strlen(key));
  PUTS(b, "\":");
  if (!v) {
    PUTS(b, "null");
    return 0;
  }
  return put_string(b, v);
}

char *qun_transcript_event_line(int64_t t_ms, const char *type, const char *member,
                                const char *group, const char *data) {
  char t[40];
  qun_tz_rfc3339(floor_div(t_ms, 1000), t, sizeof t);
  struct buf b = {NULL, 0, 0, 0};
  PUTS(&b, "{\"t\":\"");
  put(&b, t, strlen(t));
  PUTS(&b, "\",\"ev\":\"event\"");
  int odd = !type || put_field(&b, "type", type) < 0 || put_field(&b, "member", member) < 0 ||
            put_field(&b, "group", group) < 0;
  if (!odd) {
    json_t *d = data ? json_loads(data, JSON_DECODE_ANY, NULL) : NULL;
    char *text = d ? json_dumps(d, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY) : NULL;
    PUTS(&b, ",\"data\":");
    put(&b, text ? text : "null", text ? strlen(text) : 4);
    PUTS(&b, "}");
    free(text);
    json_decref(d);
  }
  if (odd || b.failed) { /* not valid UTF-8 (or out of memory): the general path decides */
    free(b.s);
    json_t *f = json_object();
    json_object_set_new(f, "type", json_string(type));
    json_object_set_new(f, "member", member ? json_string(member) : json_null());
    json_object_set_new(f, "group", group ? json_string(group) : json_null());
    json_t *d = data ? json_loads(data, JSON_DECODE_ANY, NULL) : NULL;
    json_object_set_new(f, "data", d ? d : json_null());
    return qun_transcript_line(t_ms, "event", f);
  }
  return b.s;
}

char *qun_transcript_send_line(int64_t t_ms, const char *channel, const char *to, const char *msg,
                               const char *job, int64_t due_ms, int64_t late_ms) {
  char t[40], due[40], late[32];
  qun_tz_rfc3339(floor_div(t_ms, 1000), t, sizeof t);
  qun_tz_rfc3339(floor_div(due_ms, 1000), due, sizeof due);
  snprintf(late, sizeof late, "%lld", (long long)late_ms);
  struct buf b = {NULL, 0, 0, 0};
  PUTS(&b, "{\"t\":\"");
  put(&b, t, strlen(t));
  PUTS(&b, "\",\"ev\":\"send\"");
  int odd = !channel || !to || !msg || !job || put_field(&b, "channel", channel) < 0 ||
            put_field(&b, "to", to) < 0;
  if (!odd) {
    PUTS(&b, ",\"msg\":");
    put(&b, msg, strlen(msg)); /* the outbox holds it as jansson wrote it, compact */
    odd = put_field(&b, "job", job) < 0;
    PUTS(&b, ",\"due\":\"");
    put(&b, due, strlen(due));
    PUTS(&b, "\",\"late_ms\":");
    put(&b, late, strlen(late));
    PUTS(&b, "}");
  }
  if (odd || b.failed) { /* the general path decides */
    free(b.s);
    json_t *f = json_object();
    json_object_set_new(f, "channel", json_string(channel ? channel : ""));
    json_object_set_new(f, "to", json_string(to ? to : ""));
    json_t *m = msg ? json_loads(msg, 0, NULL) : NULL;
    json_object_set_new(f, "msg", m ? m : json_object());
    json_object_set_new(f, "job", json_string(job ? job : ""));
    json_object_set_new(f, "due", qun_transcript_time(due_ms));
    json_object_set_new(f, "late_ms", json_integer(late_ms));
    return qun_transcript_line(t_ms, "send", f);
  }
  return b.s;
}
