/* channel.c — the table of channel types and what they share (channel.h). */
#define _GNU_SOURCE /* vasprintf */
#include "deliver/channel.h"
#include "deliver/http_client.h"
#include "host/config.h"
#include "core/err.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const struct qun_chan_type qun_chan_console, qun_chan_file, qun_chan_webhook, qun_chan_wecom,
    qun_chan_dingtalk, qun_chan_feishu, qun_chan_slack, qun_chan_telegram;

static const struct qun_chan_type *const types[] = {
    &qun_chan_console, &qun_chan_file, &qun_chan_webhook, &qun_chan_wecom,
    &qun_chan_dingtalk, &qun_chan_feishu, &qun_chan_slack, &qun_chan_telegram};

const struct qun_chan_type *qun_chan_type(const char *name) {
  for (size_t i = 0; name && i < sizeof types / sizeof types[0]; i++)
    if (strcmp(types[i]->name, name) == 0)
      return types[i];
  return NULL;
}

int qun_chan_rates(const struct qun_channel *c, const struct qun_chan_type *t, struct qun_rate *out) {
  int n = c && c->nrate ? c->nrate : t->nrates;
  memcpy(out, c && c->nrate ? c->rate : t->rates, (size_t)n * sizeof *out);
  return n;
}

const struct qun_chan_limit *qun_chan_limit(const char *type, const char *kind) {
  const struct qun_chan_type *t = qun_chan_type(type);
  const struct qun_chan_limit *any = NULL;
  for (const struct qun_chan_limit *l = t ? t->limits : NULL; l && l->kind; l++) {
    if (kind && strcmp(l->kind, kind) == 0)
      return l;
    if (!any && strcmp(l->kind, "*") == 0)
      any = l;
  }
  return any;
}

void qun_chan_req_free(struct qun_chan_req *r) {
  free(r->url);
  free(r->shown_url);
  for (int i = 0; i < QUN_CHAN_MAX_HEADERS && r->headers[i]; i++)
    free(r->headers[i]);
  free(r->body);
  memset(r, 0, sizeof *r);
}

static void vset(struct qun_chan_result *out, enum qun_chan_verdict v, const char *fmt, va_list ap) {
  out->verdict = v;
  vsnprintf(out->reason, sizeof out->reason, fmt, ap);
}

void qun_chan_retry(struct qun_chan_result *out, int throttled, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vset(out, QUN_CHAN_RETRY, fmt, ap);
  va_end(ap);
  out->throttled = throttled;
}

void qun_chan_dead(struct qun_chan_result *out, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vset(out, QUN_CHAN_DEAD, fmt, ap);
  va_end(ap);
}

/* Retry-After is seconds or an HTTP date; a date is read by libcurl. */
static int64_t retry_after_ms(const char *v) {
  if (!v || !*v)
    return -1;
  char *end;
  long long s = strtoll(v, &end, 10);
  if (*end == '\0' && s >= 0)
    return s > 86400 ? 86400000 : s * 1000;
  time_t t = curl_getdate(v, NULL);
  time_t now = time(NULL);
  return t < 0 ? -1 : t > now ? (int64_t)(t - now) * 1000 : 0;
}

void qun_chan_read_http(const char *type, const struct qun_http_res *res, struct qun_chan_result *out) {
  memset(out, 0, sizeof *out);
  out->retry_after_ms = -1;
  if (res->error) {
    qun_chan_retry(out, 0, "%s: %s", type, res->error_text ? res->error_text : "transport error");
  } else if (res->status == 429) {
    out->retry_after_ms = retry_after_ms(res->retry_after);
    qun_chan_retry(out, 1, "%s: HTTP 429 (too many requests)", type);
  } else if (res->status >= 500 || res->status == 408) {
    out->retry_after_ms = retry_after_ms(res->retry_after);
    qun_chan_retry(out, 0, "%s: HTTP %ld", type, res->status);
  } else if (res->status < 200 || res->status >= 300) {
    size_t n = strcspn(res->body ? res->body : "", "\r\n");
    qun_chan_dead(out, "%s: HTTP %ld %.*s", type, res->status, (int)(n > 120 ? 120 : n),
                  res->body ? res->body : "");
  } else {
    out->verdict = QUN_CHAN_SENT;
  }
}

int qun_chan_hmac_sha256(const void *key, size_t klen, const void *msg, size_t mlen,
                         unsigned char out[32]) {
  unsigned int n = 0;
  static const unsigned char empty;
  /* HMAC() takes a NULL message as "no data", but wants a pointer. */
  if (!HMAC(EVP_sha256(), key, (int)klen, msg ? msg : &empty, mlen, out, &n) || n != 32)
    return QUN_EIO;
  return 0;
}

char *qun_chan_base64(const unsigned char *p, size_t n) {
  char *out = malloc(4 * ((n + 2) / 3) + 1);
  if (out)
    EVP_EncodeBlock((unsigned char *)out, p, (int)n);
  return out;
}

char *qun_chan_hex(const unsigned char *p, size_t n) {
  char *out = malloc(2 * n + 1);
  for (size_t i = 0; out && i < n; i++)
    snprintf(out + 2 * i, 3, "%02x", p[i]);
  if (out)
    out[2 * n] = '\0';
  return out;
}

char *qun_chan_urlencode(const char *s) {
  char *e = curl_easy_escape(NULL, s, 0);
  char *out = e ? strdup(e) : NULL;
  curl_free(e);
  return out;
}

char *qun_chan_json(const json_t *o, size_t *len) {
  char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
  if (s && len)
    *len = strlen(s);
  return s;
}

int qun_chan_post_json(struct qun_chan_req *out, char *url, char *shown, const json_t *body) {
  out->method = "POST";
  out->url = url;
  out->shown_url = shown;
  out->headers[0] = strdup("Content-Type: application/json");
  out->body = body ? qun_chan_json(body, &out->len) : NULL;
  if (!url || !shown || !out->headers[0] || !out->body) {
    qun_chan_req_free(out);
    return QUN_ENOMEM;
  }
  return 0;
}

char *qun_chan_strdupf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = NULL;
  if (vasprintf(&s, fmt, ap) < 0)
    s = NULL;
  va_end(ap);
  return s;
}

int qun_chan_read_file(const char *path, size_t max, unsigned char **out, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return QUN_ENOENT;
  unsigned char *buf = malloc(max + 1);
  size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
  int bad = !buf || ferror(f);
  fclose(f);
  if (bad) {
    free(buf);
    return QUN_EIO;
  }
  if (n > max) {
    free(buf);
    return QUN_ELIMIT;
  }
  *out = buf, *len = n;
  return 0;
}

size_t qun_chan_utf8_chars(const char *s) {
  size_t n = 0;
  for (; *s; s++)
    n += ((unsigned char)*s & 0xC0) != 0x80;
  return n;
}

/* A reason cut at its buffer's end may end in the first part of a secret. */
static void scrub_tail(char *buf, size_t size, const char *secret, size_t k) {
  size_t n = strlen(buf);
  if (n + 1 < size)
    return; /* not cut */
  for (size_t m = k - 1 < n ? k - 1 : n; m >= 4 || (m > 0 && m == k - 1); m--)
    if (memcmp(buf + n - m, secret, m) == 0) {
      snprintf(buf + n - m, size - (n - m), "***");
      return;
    }
}

void qun_chan_scrub(char *buf, size_t size, const char *secret) {
  size_t k = secret ? strlen(secret) : 0;
  if (!k || !size)
    return;
  if (!strstr(buf, secret)) {
    scrub_tail(buf, size, secret, k);
    return;
  }
  char *out = malloc(size);
  if (!out) { /* cannot rebuild: hide the whole reason rather than leak */
    snprintf(buf, size, "***");
    return;
  }
  size_t n = 0;
  for (const char *p = buf; *p && n + 1 < size;) {
    if (strncmp(p, secret, k) == 0) {
      for (const char *r = "***"; *r && n + 1 < size; r++)
        out[n++] = *r;
      p += k;
    } else {
      out[n++] = *p++;
    }
  }
  out[n] = '\0';
  memcpy(buf, out, n + 1);
  free(out);
  scrub_tail(buf, size, secret, k);
}
