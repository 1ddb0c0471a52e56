/* ch_feishu.c — the feishu channel: a Feishu / Lark custom bot (自定义机器人).
 *
 *   POST https://open.feishu.cn/open-apis/bot/v2/hook/<id>
 *
 * `hook` is either the id (the last part of the webhook URL) or the whole
 * URL, which is used as given: that is how a Lark bot
 * (https://open.larksuite.com/...) is set up. base_url replaces the
 * scheme and host in both cases. The id is the credential and shown as ***.
 * With a secret ("签名校验") the body starts with "timestamp" (seconds, a
 * string) and "sign" = base64(HMAC-SHA256(key = timestamp + "\n" +
 * secret, msg = empty)), not URL-encoded.
 * What each message becomes:
 *   text       msg_type text; mentions as <at user_id="id"></at> after the
 *              text (<at user_id="all">所有人</at> for everyone)
 *   markdown   an interactive card with one markdown element; mentions as
 *              <at id=id></at> on a last line (<at id=all></at>)
 *   image      a url: a post whose line is a link to it; a file: refused (a
 *              custom bot can only show an image_key uploaded by an app)
 *   link       a post: the title, the description, a link to the url (the
 *              picture is left out, for the same reason as images)
 *   news       a post: per article a link (its title) and its description
 *   redpacket  an interactive card with a red header: amount, count, note,
 *              expiry, and a button to the claim url
 * The body may be at most 20 KB. Feishu answers {"code": N, "msg": "..."}
 * (older bots: {"StatusCode": N, "StatusMessage": "..."}); 11232 is its
 * rate limit (5 a second, 100 a minute per bot). */
#include "deliver/channel.h"
#include "deliver/robot.h"
#include "host/config.h"
#include "core/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TYPE "feishu"
#define HOST "https://open.feishu.cn"
#define HOOK_PATH "/open-apis/bot/v2/hook/"

static const struct qun_chan_limit limits[] = {
    {"*", "request body", 20 * 1024, "bytes"},
    {NULL, NULL, 0, NULL},
};

/* The text followed by a mention of each id (or everyone), each written
 * with fmt ("%s" the id) after sep. */
static char *with_mentions(const struct qun_robot_msg *m, const char *sep, const char *fmt, const char *all) {
  size_t n = strlen(m->text) + strlen(sep) + strlen(all) + 1;
  for (size_t i = 0; i < m->nids; i++)
    n += strlen(m->ids[i]) + strlen(fmt) + 1;
  char *s = malloc(n);
  if (!s)
    return NULL;
  char *p = s + sprintf(s, "%s", m->text);
  if (m->mention_all)
    p += sprintf(p, "%s%s", sep, all);
  for (size_t i = 0; i < m->nids; i++) {
    p += sprintf(p, "%s", i ? " " : sep);
    p += sprintf(p, fmt, m->ids[i]);
  }
  return s;
}

static json_t *card(json_t *header, json_t *elements) {
  return json_pack("{s:{s:b}, s:o*, s:o}", "config", "wide_screen_mode", 1, "header", header, "elements", elements);
}

static json_t *post(const char *title, json_t *lines) {
  return json_pack("{s:{s:{s:s*, s:o}}}", "post", "zh_cn", "title", title, "content", lines);
}

static json_t *link_line(const char *text, const char *href) {
  return json_pack("[{s:s, s:s, s:s}]", "tag", "a", "text", text, "href", href);
}

static json_t *text_line(const char *text) {
  return json_pack("[{s:s, s:s}]", "tag", "text", "text", text);
}

static json_t *redpacket_card(const json_t *rp) {
  const char *note = qun_robot_str(rp, "note");
  const char *expires = qun_robot_str(rp, "expires");
  char until[64] = "";
  if (expires)
    qun_robot_local_time(expires, until, sizeof until);
  char *md = qun_chan_strdupf("**%s 元** · 共 %lld 个%s%s%s%s", qun_robot_str(rp, "total"),
                              (long long)json_integer_value(json_object_get(rp, "count")), note ? "\n" : "",
                              note ? note : "", expires ? "\n有效期至 " : "", until);
  json_t *o = md ? card(json_pack("{s:s, s:{s:s, s:s}}", "template", "red", "title", "tag", "plain_text", "content",
                                  "🧧 红包"),
                        json_pack("[{s:s, s:s}, {s:s, s:[{s:s, s:{s:s, s:s}, s:s, s:s}]}]", "tag", "markdown",
                                  "content", md, "tag", "action", "actions", "tag", "button", "text", "tag",
                                  "plain_text", "content", "领取红包", "type", "danger", "url",
                                  qun_robot_str(rp, "url")))
                 : NULL;
  free(md);
  return o;
}

/* Sets "msg_type" and its "content" (or "card") in body. */
static int set_content(const struct qun_robot_msg *r, json_t *body, char *err, size_t errlen) {
  const char *type = NULL, *field = "content";
  json_t *v = NULL;
  char *s = NULL;
  switch (r->kind) {
  case QUN_ROBOT_TEXT:
    s = with_mentions(r, " ", "<at user_id=\"%s\"></at>", "<at user_id=\"all\">所有人</at>");
    type = "text", v = s ? json_pack("{s:s}", "text", s) : NULL;
    break;
  case QUN_ROBOT_MARKDOWN:
    s = with_mentions(r, "\n", "<at id=%s></at>", "<at id=all></at>");
    type = "interactive", field = "card";
    v = s ? card(NULL, json_pack("[{s:s, s:s}]", "tag", "markdown", "content", s)) : NULL;
    break;
  case QUN_ROBOT_IMAGE:
    if (r->path) {
      snprintf(err, errlen, TYPE ": a custom bot cannot send an image file (%s): Feishu shows only images "
               "uploaded by an app; give the image as a url, image = { url = \"https://...\" }", r->path);
      return QUN_EINVAL;
    }
    type = "post", v = post(r->image_title ? r->image_title : "图片", json_pack("[o]", link_line(r->url, r->url)));
    break;
  case QUN_ROBOT_LINK: {
    const json_t *c = r->items[0];
    const char *d = qun_robot_str(c, "description"), *u = qun_robot_str(c, "url");
    json_t *lines = d ? json_pack("[o, o]", text_line(d), link_line(u, u)) : json_pack("[o]", link_line(u, u));
    type = "post", v = post(qun_robot_str(c, "title"), lines);
    break;
  }
  case QUN_ROBOT_NEWS: {
    json_t *lines = json_array();
    size_t want = 0;
    for (size_t i = 0; i < r->nitems; i++) {
      const json_t *c = r->items[i];
      const char *d = qun_robot_str(c, "description");
      json_array_append_new(lines, link_line(qun_robot_str(c, "title"), qun_robot_str(c, "url")));
      if (d)
        json_array_append_new(lines, text_line(d));
      want += d ? 2 : 1;
    }
    if (json_array_size(lines) != want)
      json_decref(lines), lines = NULL;
    type = "post", v = post(NULL, lines);
    break;
  }
  case QUN_ROBOT_REDPACKET:
    type = "interactive", field = "card", v = redpacket_card(r->redpacket);
    break;
  }
  free(s);
  if (!v || json_object_set_new(body, "msg_type", json_string(type)) < 0 || json_object_set_new(body, field, v) < 0)
    return QUN_ENOMEM;
  return 0;
}

/* "timestamp" and "sign" first in the body. */
static int sign(const struct qun_channel *c, int64_t now_ms, json_t *body) {
  char ts[24];
  snprintf(ts, sizeof ts, "%lld", (long long)(now_ms / 1000));
  char *key = qun_chan_strdupf("%s\n%s", ts, c->secret);
  unsigned char mac[32];
  char *b64 = key && qun_chan_hmac_sha256(key, strlen(key), NULL, 0, mac) == 0 ? qun_chan_base64(mac, sizeof mac)
                                                                               : NULL;
  int rc = b64 && json_object_set_new(body, "timestamp", json_string(ts)) == 0 &&
                   json_object_set_new(body, "sign", json_string(b64)) == 0
               ? 0
               : QUN_ENOMEM;
  free(key);
  free(b64);
  return rc;
}

static int is_url(const char *s) {
  return strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0;
}

/* The URL and its shown form (the id as ***). */
static int urls(const struct qun_channel *c, const struct qun_chan_msg *m, char **url, char **shown, char *err,
                size_t errlen) {
  if (!c->hook) {
    snprintf(err, errlen, TYPE ": the channel has no hook");
    return QUN_EINVAL;
  }
  if (!is_url(c->hook)) {
    if (strpbrk(c->hook, "/?#")) {
      snprintf(err, errlen, TYPE ": hook is the id at the end of the webhook URL, or the whole https URL");
      return QUN_EINVAL;
    }
    char *base = qun_robot_url(c->base_url, HOST, HOOK_PATH);
    char *id = qun_chan_urlencode(c->hook);
    *url = base && id ? qun_chan_strdupf("%s%s", base, id) : NULL;
    *shown = base ? qun_chan_strdupf("%s***", base) : NULL;
    free(base);
    free(id);
  } else {
    const char *path = strchr(strstr(c->hook, "://") + 3, '/');
    const char *last = strrchr(c->hook, '/');
    if (!path || last[1] == '\0') {
      snprintf(err, errlen, TYPE ": hook is a URL with no id at its end");
      return QUN_EINVAL;
    }
    if (c->base_url) {
      char *base = qun_robot_url(c->base_url, HOST, "");
      *url = base ? qun_chan_strdupf("%s%s", base, path) : NULL;
      *shown = base ? qun_chan_strdupf("%s%.*s***", base, (int)(last + 1 - path), path) : NULL;
      free(base);
    } else {
      *url = strdup(c->hook);
      *shown = qun_chan_strdupf("%.*s***", (int)(last + 1 - c->hook), c->hook);
    }
  }
  return *url && *shown ? 0 : QUN_ENOMEM;
}

/* With a secret, "timestamp" and "sign" first; then the content. */
static int body_of(const struct qun_channel *c, const struct qun_chan_msg *m, const struct qun_robot_msg *r,
                   json_t **body, char *err, size_t errlen) {
  int rc = (*body = json_object()) ? 0 : QUN_ENOMEM;
  if (rc == 0 && c->secret)
    rc = sign(c, m->now_ms, *body);
  if (rc == 0)
    rc = set_content(r, *body, err, errlen);
  return rc;
}

static const struct qun_robot_type robot = {TYPE, urls, body_of};

static int render(const struct qun_channel *c, const struct qun_chan_msg *m, struct qun_chan_req *out,
                  char *err, size_t errlen) {
  return qun_robot_render(&robot, c, m, out, err, errlen);
}

static const struct qun_robot_code codes[] = {
    {11232, QUN_CHAN_RETRY, 1, 60000}, /* throttled: 100 a minute is the longest window */
};

static const struct qun_robot_answer answer = {.code = "code",
                                               .msg = "msg",
                                               .alt_code = "StatusCode",
                                               .alt_msg = "StatusMessage",
                                               .codes = codes,
                                               .ncodes = sizeof codes / sizeof codes[0]};

static void read_answer(const struct qun_channel *c, const struct qun_http_res *res, struct qun_chan_result *out) {
  qun_robot_read(TYPE, &answer, c, res, out);
}

const struct qun_chan_type qun_chan_feishu = {
    .name = TYPE,
    .rates = {{5, 1000}, {100, 60000}},
    .nrates = 2,
    .ok_status = 200,
    .ok_body = "{\"code\":0,\"msg\":\"success\",\"data\":{}}",
    .render = render,
    .read = read_answer,
    .limits = limits,
};
