/* robot.c — what the group-robot channels share (robot.h). */
#include "deliver/robot.h"
#include "deliver/http_client.h"
#include "host/config.h"
#include "core/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kinds[] = {"text", "markdown", "image", "link", "news", "redpacket"};
#define NKINDS (sizeof kinds / sizeof kinds[0])

const char *qun_robot_str(const json_t *o, const char *k) {
  const char *s = json_string_value(json_object_get(o, k));
  return s && *s ? s : NULL;
}

/* A card: an object with a title and a url; description and picture, if
 * there, are strings. */
static int check_card(const char *type, const char *what, const json_t *a, char *err, size_t errlen) {
  if (!json_is_object(a)) {
    snprintf(err, errlen, "%s: %s is not an object {title, description, url, picture}", type, what);
    return QUN_EINVAL;
  }
  static const char *const need[] = {"title", "url"};
  for (size_t i = 0; i < 2; i++)
    if (!qun_robot_str(a, need[i])) {
      snprintf(err, errlen, "%s: %s has no %s", type, what, need[i]);
      return QUN_EINVAL;
    }
  static const char *const opt[] = {"description", "picture"};
  for (size_t i = 0; i < 2; i++) {
    const json_t *v = json_object_get(a, opt[i]);
    if (v && !json_is_string(v)) {
      snprintf(err, errlen, "%s: %s: %s is not a string", type, what, opt[i]);
      return QUN_EINVAL;
    }
  }
  return 0;
}

/* A member id goes into markup on some platforms (<at user_id="...">,
 * "@id" in DingTalk's text): nothing that could end or escape it. */
static int mentionable(const char *id) {
  if (!*id)
    return 0;
  for (const unsigned char *p = (const unsigned char *)id; *p; p++)
    if (*p <= ' ' || *p == 0x7f || *p == '"' || *p == '<' || *p == '>')
      return 0;
  return 1;
}

static int parse_mention(const char *type, const json_t *v, struct qun_robot_msg *out, char *err,
                         size_t errlen) {
  if (json_is_string(v) && strcmp(json_string_value(v), "all") == 0) {
    out->mention_all = 1;
    return 0;
  }
  if (!json_is_array(v) || json_array_size(v) == 0) {
    snprintf(err, errlen, "%s: mention is \"all\" or a list of member ids [\"m1\", ...]", type);
    return QUN_EINVAL;
  }
  out->ids = calloc(json_array_size(v), sizeof *out->ids);
  if (!out->ids)
    return QUN_ENOMEM;
  size_t i;
  const json_t *e;
  json_array_foreach(v, i, e) {
    const char *id = json_string_value(e);
    if (!id) {
      snprintf(err, errlen, "%s: mention: member ids are strings", type);
      return QUN_EINVAL;
    }
    /* "all" in the list would be a member named all on one platform and
     * everyone on another: say it one way only. */
    if (strcmp(id, "all") == 0 || strcmp(id, "@all") == 0) {
      snprintf(err, errlen, "%s: mention: to mention everyone write mention = \"all\", not a list", type);
      return QUN_EINVAL;
    }
    if (!mentionable(id)) {
      snprintf(err, errlen, "%s: mention: member id \"%.40s\" cannot be mentioned (no spaces, quotes or "
               "angle brackets)", type, id);
      return QUN_EINVAL;
    }
    out->ids[out->nids++] = id;
  }
  return 0;
}

static int parse_redpacket(const char *type, const json_t *rp, char *err, size_t errlen) {
  if (!json_is_object(rp)) {
    snprintf(err, errlen, "%s: redpacket is not an object {id, total, count, note, url, expires}", type);
    return QUN_EINVAL;
  }
  if (!qun_robot_str(rp, "url")) {
    snprintf(err, errlen, "%s: the red packet has no url to claim it at (set redpacket.claim_url in the team "
             "config)", type);
    return QUN_EINVAL;
  }
  if (!qun_robot_str(rp, "total")) {
    snprintf(err, errlen, "%s: the red packet has no total (a string of yuan, \"88.88\")", type);
    return QUN_EINVAL;
  }
  if (!json_is_integer(json_object_get(rp, "count")) || json_integer_value(json_object_get(rp, "count")) < 1) {
    snprintf(err, errlen, "%s: the red packet has no count (a whole number of shares, at least 1)", type);
    return QUN_EINVAL;
  }
  static const char *const opt[] = {"note", "expires", "id"};
  for (size_t i = 0; i < 3; i++) {
    const json_t *v = json_object_get(rp, opt[i]);
    if (v && !json_is_string(v)) {
      snprintf(err, errlen, "%s: redpacket: %s is not a string", type, opt[i]);
      return QUN_EINVAL;
    }
  }
  return 0;
}

static int parse_content(const char *type, struct qun_robot_msg *out, const json_t *v, char *err,
                         size_t errlen) {
  switch (out->kind) {
  case QUN_ROBOT_TEXT:
  case QUN_ROBOT_MARKDOWN:
    if (!json_is_string(v)) {
      snprintf(err, errlen, "%s: %s is not a string", type, out->kind_name);
      return QUN_EINVAL;
    }
    out->text = json_string_value(v);
    if (!*out->text) {
      snprintf(err, errlen, "%s: the %s is empty", type, out->kind_name);
      return QUN_EINVAL;
    }
    return 0;
  case QUN_ROBOT_IMAGE:
    out->path = qun_robot_str(v, "path");
    out->url = qun_robot_str(v, "url");
    out->image_title = qun_robot_str(v, "title");
    if (!json_is_object(v) || !out->path == !out->url) {
      snprintf(err, errlen, "%s: image is {path = \"a.png\"} or {url = \"https://...\"}", type);
      return QUN_EINVAL;
    }
    return 0;
  case QUN_ROBOT_LINK:
    out->items[out->nitems++] = v;
    return check_card(type, "link", v, err, errlen);
  case QUN_ROBOT_NEWS:
    if (!json_is_array(v) || json_array_size(v) < 1 || json_array_size(v) > QUN_ROBOT_MAX_NEWS) {
      snprintf(err, errlen, "%s: news is a list of 1 to %d articles; this one has %zu", type,
               QUN_ROBOT_MAX_NEWS, json_is_array(v) ? json_array_size(v) : 0);
      return QUN_EINVAL;
    }
    for (size_t i = 0; i < json_array_size(v); i++) {
      char what[32];
      snprintf(what, sizeof what, "news[%zu]", i + 1);
      out->items[out->nitems++] = json_array_get(v, i);
      int rc = check_card(type, what, json_array_get(v, i), err, errlen);
      if (rc < 0)
        return rc;
    }
    return 0;
  case QUN_ROBOT_REDPACKET:
    out->redpacket = v;
    return parse_redpacket(type, v, err, errlen);
  }
  return QUN_EINVAL;
}

int qun_robot_parse(const char *type, const json_t *msg, struct qun_robot_msg *out, char *err,
                    size_t errlen) {
  memset(out, 0, sizeof *out);
  if (json_object_get(msg, "payout")) {
    snprintf(err, errlen, "%s: payouts go through a webhook channel", type);
    return QUN_EINVAL;
  }
  const json_t *v = NULL;
  int found = -1;
  for (size_t k = 0; k < NKINDS; k++) {
    const json_t *x = json_object_get(msg, kinds[k]);
    if (!x)
      continue;
    if (found >= 0) {
      snprintf(err, errlen, "%s: a message has one content field; this one has %s and %s", type, kinds[found],
               kinds[k]);
      return QUN_EINVAL;
    }
    found = (int)k, v = x;
  }
  if (found < 0) {
    snprintf(err, errlen, "%s: the message has none of text, markdown, image, link, news, redpacket", type);
    return QUN_EINVAL;
  }
  out->kind = (enum qun_robot_kind)found;
  out->kind_name = kinds[found];
  int rc = parse_content(type, out, v, err, errlen);
  if (rc < 0)
    return rc;
  const json_t *mention = json_object_get(msg, "mention");
  if (!mention)
    return 0;
  if (out->kind != QUN_ROBOT_TEXT && out->kind != QUN_ROBOT_MARKDOWN) {
    snprintf(err, errlen, "%s: a mention goes with text or markdown, not %s", type, out->kind_name);
    return QUN_EINVAL;
  }
  return parse_mention(type, mention, out, err, errlen);
}

void qun_robot_msg_free(struct qun_robot_msg *m) {
  free(m->ids);
  m->ids = NULL;
  m->nids = 0;
}

char *qun_robot_url(const char *base_url, const char *def, const char *rest) {
  const char *b = base_url ? base_url : def;
  size_t n = strlen(b);
  while (n > 0 && b[n - 1] == '/')
    n--;
  return qun_chan_strdupf("%.*s%s", (int)n, b, rest);
}

int qun_robot_render(const struct qun_robot_type *t, const struct qun_channel *c, const struct qun_chan_msg *m,
                     struct qun_chan_req *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  struct qun_robot_msg r = {0};
  json_t *body = NULL;
  char *url = NULL, *shown = NULL;
  int rc = t->urls(c, m, &url, &shown, err, errlen);
  if (rc == 0)
    rc = qun_robot_parse(t->name, m->msg, &r, err, errlen);
  if (rc == 0)
    rc = t->body(c, m, &r, &body, err, errlen);
  qun_robot_msg_free(&r);
  if (rc == 0) {
    rc = qun_chan_post_json(out, url, shown, body); /* takes url and shown */
  } else {
    free(url);
    free(shown);
  }
  json_decref(body);
  if (rc == 0 && (rc = qun_robot_check(t->name, "*", out->len, err, errlen)) < 0)
    qun_chan_req_free(out);
  if (rc == QUN_ENOMEM)
    snprintf(err, errlen, "%s: out of memory", t->name);
  return rc;
}

int qun_robot_check(const char *type, const char *kind, size_t n, char *err, size_t errlen) {
  const struct qun_chan_limit *l = qun_chan_limit(type, kind);
  if (!l || n <= l->max)
    return 0;
  snprintf(err, errlen, "%s: %s is %zu %s, over the platform's limit of %zu %s", type, l->what, n, l->unit,
           l->max, l->unit);
  return QUN_ELIMIT;
}

void qun_robot_local_time(const char *t, char *buf, size_t size) {
  if (strlen(t) >= 16 && t[10] == 'T' && t[13] == ':')
    snprintf(buf, size, "%.10s %.5s", t, t + 11);
  else
    snprintf(buf, size, "%s", t);
}

/* ---- answers ---- */

/* Up to max bytes of s (not NUL-terminated) for a reason, cut on a UTF-8
 * boundary, "..." when cut; clean() makes the whole reason printable. */
static void excerpt(char *dst, size_t size, const char *s, size_t len, size_t max) {
  size_t n = len < max ? len : max;
  while (n < len && n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
    n--;
  size_t o = 0;
  for (size_t i = 0; i < n && o + 1 < size; i++)
    dst[o++] = s[i] ? s[i] : ' ';
  dst[o] = '\0';
  if (n < len && o + 4 < size)
    memcpy(dst + o, "...", 4);
}

/* The length of the valid UTF-8 sequence at p (1–4), or 0 (the checks of
 * RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF). */
static int utf8_len(const unsigned char *p) {
  unsigned char c = p[0];
  if (c < 0x80)
    return 1;
  int n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
  unsigned char lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
  unsigned char hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
  if (n && (p[1] < lo || p[1] > hi))
    return 0;
  for (int i = 2; i < n; i++)
    if (p[i] < 0x80 || p[i] > 0xBF)
      return 0;
  return n;
}

/* A reason goes to logs and JSON: control characters become spaces and
 * bytes that are not UTF-8 (a foreign body, a cut at the buffer's end)
 * become '?'. In place. */
static void clean(char *s) {
  unsigned char *p = (unsigned char *)s;
  while (*p) {
    int n = utf8_len(p);
    if (n == 0)
      *p = '?', n = 1;
    else if (n == 1 && (*p < 0x20 || *p == 0x7f))
      *p = ' ';
    p += n;
  }
}

/* s (len bytes) with every credential of c as "***": malloc'd and
 * NUL-terminated, its length in *outlen; NULL when out of memory. Done on
 * the whole answer before anything is cut from it, so no reason can hold
 * the first half of a key. */
static char *redacted(const struct qun_channel *c, const char *s, size_t len, size_t *outlen) {
  const char *sec[5] = {c ? c->key : NULL, c ? c->token : NULL, c ? c->secret : NULL, c ? c->hook : NULL, NULL};
  size_t slen[5] = {0};
  for (int i = 0; i < 4; i++)
    slen[i] = sec[i] ? strlen(sec[i]) : 0;
  /* A hook given as a whole URL: its last segment (the id) on its own. */
  const char *slash = sec[3] ? strrchr(sec[3], '/') : NULL;
  if (slash)
    sec[4] = slash + 1, slen[4] = strcspn(slash + 1, "?#");
  char *out = malloc(3 * len + 1); /* "***" for a credential of one byte, at worst */
  if (!out)
    return NULL;
  size_t o = 0;
  for (size_t i = 0; i < len;) {
    int hit = -1;
    for (int k = 0; k < 5 && hit < 0; k++)
      if (slen[k] && slen[k] <= len - i && memcmp(s + i, sec[k], slen[k]) == 0)
        hit = k;
    if (hit >= 0) {
      memcpy(out + o, "***", 3);
      o += 3, i += slen[hit];
    } else {
      out[o++] = s[i++];
    }
  }
  out[o] = '\0';
  *outlen = o;
  return out;
}

static const struct qun_robot_code *find_code(const struct qun_robot_answer *a, long long code) {
  for (size_t i = 0; i < a->ncodes; i++)
    if (a->codes[i].code == code)
      return &a->codes[i];
  return NULL;
}

/* Reads the code out of the body. 1 with *code and *msg set, 0 when the
 * body is not a JSON object with an integer code (why in what). */
static int body_code(const struct qun_robot_answer *a, const struct qun_http_res *res, json_t **root,
                     long long *code, const char **msg, const char **what) {
  *root = NULL;
  if (!res->body || res->len == 0) {
    *what = "an empty answer";
    return 0;
  }
  json_error_t e;
  *root = json_loadb(res->body, res->len, 0, &e);
  if (!json_is_object(*root)) {
    *what = "an answer that is not a JSON object";
    return 0;
  }
  const json_t *c = json_object_get(*root, a->code);
  const json_t *m = json_object_get(*root, a->msg);
  if (!c && a->alt_code) {
    c = json_object_get(*root, a->alt_code);
    m = a->alt_msg ? json_object_get(*root, a->alt_msg) : NULL;
  }
  if (!json_is_integer(c)) {
    *what = c ? "an answer whose code is not a number" : "an answer with no code";
    return 0;
  }
  *code = json_integer_value(c);
  *msg = json_string_value(m) ? json_string_value(m) : "";
  return 1;
}

static void read_safe(const char *type, const struct qun_robot_answer *a, const struct qun_http_res *res,
                      struct qun_chan_result *out) {
  qun_chan_read_http(type, res, out);
  int ok2xx = out->verdict == QUN_CHAN_SENT;
  int dead4xx = out->verdict == QUN_CHAN_DEAD && !res->error && res->status >= 400 && res->status < 500;
  if (ok2xx || dead4xx) {
    json_t *root;
    long long code;
    const char *msg, *what;
    char ex[160];
    if (body_code(a, res, &root, &code, &msg, &what)) {
      char http[32] = "";
      if (!ok2xx)
        snprintf(http, sizeof http, " (HTTP %ld)", res->status);
      excerpt(ex, sizeof ex, msg, strlen(msg), 140);
      const char *colon = *ex ? ": " : "";
      const struct qun_robot_code *k = find_code(a, code);
      if (code == 0 && ok2xx) {
        out->verdict = QUN_CHAN_SENT;
      } else if (k && k->verdict == QUN_CHAN_RETRY) {
        qun_chan_retry(out, k->throttled, "%s %s %lld%s%s%s", type, a->code, code, http, colon, ex);
        out->retry_after_ms = k->retry_after_ms;
      } else {
        qun_chan_dead(out, "%s %s %lld%s%s%s", type, a->code, code, http, colon, ex);
      }
    } else if (ok2xx) {
      excerpt(ex, sizeof ex, res->body ? res->body : "", res->body ? res->len : 0, 80);
      qun_chan_dead(out, "%s: HTTP %ld with %s (expected {\"%s\":0,...})%s%s%s", type, res->status, what, a->code,
                    *ex ? ": \"" : "", ex, *ex ? "\"" : "");
    }
    json_decref(root);
  }
}

void qun_robot_read(const char *type, const struct qun_robot_answer *a, const struct qun_channel *c,
                    const struct qun_http_res *res, struct qun_chan_result *out) {
  struct qun_http_res safe = *res;
  char *body = res->body ? redacted(c, res->body, res->len, &safe.len) : NULL;
  if (body)
    safe.body = body;
  else
    safe.len = res->body ? res->len : 0;
  read_safe(type, a, &safe, out);
  free(body);
  /* The transport's words, or anything else: the reason itself once more. */
  size_t n;
  char *reason = redacted(c, out->reason, strlen(out->reason), &n);
  if (reason)
    snprintf(out->reason, sizeof out->reason, "%s", reason);
  else
    snprintf(out->reason, sizeof out->reason, "%s: (reason withheld: out of memory)", type);
  free(reason);
  clean(out->reason);
}
