/* ch_dingtalk.c — the dingtalk channel: a DingTalk (钉钉) custom robot.
 *
 *   POST https://oapi.dingtalk.com/robot/send?access_token=T[&timestamp=MS&sign=S]
 *
 * With a secret ("加签"), S = urlencode(base64(HMAC-SHA256(key = secret,
 * msg = MS + "\n" + secret))), MS the send time in milliseconds: fresh for
 * every request and encoded once. The token and the sign are shown as ***.
 * What each message becomes:
 *   text       msgtype text; mentions in at{atUserIds | isAtAll}, and each
 *              "@id" added to the text unless it is there (DingTalk only
 *              highlights a mention whose @id is in the text)
 *   markdown   msgtype markdown; the title (what the chat list shows) is
 *              the first line without its #; mentions as for text
 *   image      a url: markdown ![](url); a file: refused (a custom robot
 *              cannot upload one)
 *   link       msgtype link; news: a feedCard with one link per article
 *   redpacket  an actionCard: amount, count, note, expiry, and a button to
 *              the claim url
 * The body may be at most 20 000 bytes. DingTalk answers HTTP 200 with
 * {"errcode": N, "errmsg": "..."}; over 20 a minute (130101) it blocks the
 * robot for 10 minutes. */
#include "deliver/channel.h"
#include "deliver/robot.h"
#include "host/config.h"
#include "core/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TYPE "dingtalk"
#define HOST "https://oapi.dingtalk.com"
#define TITLE_CHARS 64 /* of a markdown title taken from the first line */

static const struct qun_chan_limit limits[] = {
    {"*", "request body", 20000, "bytes"},
    {NULL, NULL, 0, NULL},
};

static int id_char(char ch) {
  return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' ||
         ch == '-' || ch == '.';
}

/* "@id" in s as a whole (not the start of "@id2"). */
static int has_at(const char *s, const char *id) {
  size_t n = strlen(id);
  for (const char *p = s; (p = strchr(p, '@')); p++)
    if (strncmp(p + 1, id, n) == 0 && !id_char(p[1 + n]))
      return 1;
  return 0;
}

/* The text with "@id" for each mentioned id it lacks, after sep. */
static char *with_ats(const struct qun_robot_msg *m, const char *sep) {
  size_t n = strlen(m->text) + strlen(sep) + 1;
  for (size_t i = 0; i < m->nids; i++)
    n += strlen(m->ids[i]) + 2;
  char *s = malloc(n);
  if (!s)
    return NULL;
  char *p = s + sprintf(s, "%s", m->text);
  const char *next = sep;
  for (size_t i = 0; i < m->nids; i++)
    if (!has_at(m->text, m->ids[i])) {
      p += sprintf(p, "%s@%s", next, m->ids[i]);
      next = " ";
    }
  return s;
}

/* at{}: the ids, or everyone; NULL when nobody is mentioned. */
static json_t *at_object(const struct qun_robot_msg *m) {
  if (m->mention_all)
    return json_pack("{s:b}", "isAtAll", 1);
  if (!m->nids)
    return NULL;
  json_t *l = json_array();
  for (size_t i = 0; i < m->nids; i++)
    json_array_append_new(l, json_string(m->ids[i]));
  return json_pack("{s:o}", "atUserIds", l);
}

/* The markdown's first non-empty line without the marks around it (#, >,
 * **, __), at most TITLE_CHARS code points; "消息" when there is none. */
static char *md_title(const char *md) {
  const char *p = md;
  size_t n;
  for (;;) {
    p += strspn(p, "#>*_ \t");
    n = strcspn(p, "\r\n");
    if (n || !*p)
      break;
    p += strspn(p, "\r\n");
  }
  while (n > 0 && strchr("*_ \t", p[n - 1]))
    n--;
  if (n == 0)
    return strdup("消息");
  size_t chars = 0, i = 0;
  for (; i < n; i++)
    if (((unsigned char)p[i] & 0xC0) != 0x80 && ++chars > TITLE_CHARS)
      break;
  return qun_chan_strdupf("%.*s", (int)i, p);
}

static json_t *text_body(const struct qun_robot_msg *m) {
  char *t = with_ats(m, " ");
  json_t *o = t ? json_pack("{s:s, s:{s:s}, s:o*}", "msgtype", "text", "text", "content", t, "at", at_object(m))
                : NULL;
  free(t);
  return o;
}

static json_t *markdown(const char *title, const char *text, json_t *at) {
  return json_pack("{s:s, s:{s:s, s:s}, s:o*}", "msgtype", "markdown", "markdown", "title", title, "text", text,
                   "at", at);
}

static json_t *markdown_body(const struct qun_robot_msg *m) {
  char *t = with_ats(m, "\n\n");
  char *title = md_title(m->text);
  json_t *o = t && title ? markdown(title, t, at_object(m)) : NULL;
  free(t);
  free(title);
  return o;
}

static json_t *link_body(const json_t *c) {
  const char *title = qun_robot_str(c, "title");
  const char *text = qun_robot_str(c, "description");
  return json_pack("{s:s, s:{s:s, s:s, s:s, s:s*}}", "msgtype", "link", "link", "title", title, "text",
                   text ? text : title, "messageUrl", qun_robot_str(c, "url"), "picUrl",
                   qun_robot_str(c, "picture"));
}

static json_t *feedcard_body(const struct qun_robot_msg *m) {
  json_t *links = json_array();
  for (size_t i = 0; i < m->nitems; i++) {
    const json_t *c = m->items[i];
    json_array_append_new(links, json_pack("{s:s, s:s, s:s*}", "title", qun_robot_str(c, "title"), "messageURL",
                                           qun_robot_str(c, "url"), "picURL", qun_robot_str(c, "picture")));
  }
  if (json_array_size(links) != m->nitems) {
    json_decref(links);
    return NULL;
  }
  return json_pack("{s:s, s:{s:o}}", "msgtype", "feedCard", "feedCard", "links", links);
}

static json_t *redpacket_body(const json_t *rp) {
  const char *total = qun_robot_str(rp, "total");
  const char *note = qun_robot_str(rp, "note");
  const char *expires = qun_robot_str(rp, "expires");
  char until[64] = "";
  if (expires)
    qun_robot_local_time(expires, until, sizeof until);
  char *title = qun_chan_strdupf("🧧 红包 %s 元", total);
  char *text = qun_chan_strdupf("### 🧧 红包\n\n**%s 元** · 共 %lld 个%s%s%s%s", total,
                                (long long)json_integer_value(json_object_get(rp, "count")), note ? "\n\n" : "",
                                note ? note : "", expires ? "\n\n有效期至 " : "", until);
  json_t *o = title && text ? json_pack("{s:s, s:{s:s, s:s, s:s, s:s, s:s}}", "msgtype", "actionCard", "actionCard",
                                        "title", title, "text", text, "btnOrientation", "0", "singleTitle",
                                        "领取红包", "singleURL", qun_robot_str(rp, "url"))
                            : NULL;
  free(title);
  free(text);
  return o;
}

static int body_of(const struct qun_channel *c, const struct qun_chan_msg *m, const struct qun_robot_msg *r,
                   json_t **body, char *err, size_t errlen) {
  switch (r->kind) {
  case QUN_ROBOT_TEXT:
    *body = text_body(r);
    break;
  case QUN_ROBOT_MARKDOWN:
    *body = markdown_body(r);
    break;
  case QUN_ROBOT_IMAGE: {
    if (r->path) {
      snprintf(err, errlen, TYPE ": a custom robot cannot send an image file (%s); give the image as a url, "
               "image = { url = \"https://...\" }", r->path);
      return QUN_EINVAL;
    }
    char *text = qun_chan_strdupf("![](%s)", r->url);
    *body = text ? markdown(r->image_title ? r->image_title : "图片", text, NULL) : NULL;
    free(text);
    break;
  }
  case QUN_ROBOT_LINK:
    *body = link_body(r->items[0]);
    break;
  case QUN_ROBOT_NEWS:
    *body = feedcard_body(r);
    break;
  case QUN_ROBOT_REDPACKET:
    *body = redpacket_body(r->redpacket);
    break;
  }
  return *body ? 0 : QUN_ENOMEM;
}

/* The URL and its shown form: token, and with a secret the time and sign. */
static int urls(const struct qun_channel *c, const struct qun_chan_msg *m, char **url, char **shown, char *err,
                size_t errlen) {
  if (!c->token) {
    snprintf(err, errlen, TYPE ": the channel has no token");
    return QUN_EINVAL;
  }
  char *base = qun_robot_url(c->base_url, HOST, "/robot/send?access_token=");
  char *token = qun_chan_urlencode(c->token);
  *url = *shown = NULL;
  if (base && token && !c->secret) {
    *url = qun_chan_strdupf("%s%s", base, token);
    *shown = qun_chan_strdupf("%s***", base);
  } else if (base && token) {
    char ts[24];
    snprintf(ts, sizeof ts, "%lld", (long long)m->now_ms);
    char *msg = qun_chan_strdupf("%s\n%s", ts, c->secret);
    unsigned char mac[32];
    char *b64 = msg && qun_chan_hmac_sha256(c->secret, strlen(c->secret), msg, strlen(msg), mac) == 0
                    ? qun_chan_base64(mac, sizeof mac)
                    : NULL;
    char *sign = b64 ? qun_chan_urlencode(b64) : NULL;
    if (sign) {
      *url = qun_chan_strdupf("%s%s&timestamp=%s&sign=%s", base, token, ts, sign);
      *shown = qun_chan_strdupf("%s***&timestamp=%s&sign=***", base, ts);
    }
    free(msg);
    free(b64);
    free(sign);
  }
  free(base);
  free(token);
  return *url && *shown ? 0 : QUN_ENOMEM;
}

static const struct qun_robot_type robot = {TYPE, urls, body_of};

static int render(const struct qun_channel *c, const struct qun_chan_msg *m, struct qun_chan_req *out,
                  char *err, size_t errlen) {
  return qun_robot_render(&robot, c, m, out, err, errlen);
}

static const struct qun_robot_code codes[] = {
    /* Over 20 a minute DingTalk blocks the robot for 10 minutes. */
    {130101, QUN_CHAN_RETRY, 1, 600000},
    {410100, QUN_CHAN_RETRY, 1, 600000}, /* "sending too fast, throttled" (older code) */
    {-1, QUN_CHAN_RETRY, 0, -1},         /* "system busy, try again" */
};

static const struct qun_robot_answer answer = {
    .code = "errcode", .msg = "errmsg", .codes = codes, .ncodes = sizeof codes / sizeof codes[0]};

static void read_answer(const struct qun_channel *c, const struct qun_http_res *res, struct qun_chan_result *out) {
  qun_robot_read(TYPE, &answer, c, res, out);
}

const struct qun_chan_type qun_chan_dingtalk = {
    .name = TYPE,
    .rates = {{20, 60000}},
    .nrates = 1,
    .ok_status = 200,
    .ok_body = "{\"errcode\":0,\"errmsg\":\"ok\"}",
    .render = render,
    .read = read_answer,
    .limits = limits,
};
