/* ch_wecom.c — the wecom channel: a WeCom (企业微信) group robot.
 *
 *   POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY
 *
 * The key in the query is the only credential (no signature), so the URL
 * is shown as ...?key=***. What each message becomes:
 *   text       msgtype text; mentions in mentioned_list ("@all" for all)
 *   markdown   msgtype markdown; mentions as <@id> on a last line (WeCom's
 *              markdown cannot mention everyone: refused)
 *   image      a file: msgtype image {base64, md5 of the raw bytes}, JPG or
 *              PNG (by its first bytes), at most 2 MB; a url: a news card
 *              whose picture and link are the image
 *   link       a news card with one article; news: 1–8 articles
 *   redpacket  a template card (text_notice): the amount large, the count,
 *              the note, the expiry, and a button to the claim url
 * WeCom answers HTTP 200 with {"errcode": N, "errmsg": "..."}; 45009 is its
 * rate limit (20 a minute per robot). */
#include "deliver/channel.h"
#include "deliver/robot.h"
#include "host/config.h"
#include "core/err.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TYPE "wecom"
#define HOST "https://qyapi.weixin.qq.com"

static const struct qun_chan_limit limits[] = {
    {"text", "text content", 2048, "bytes"},
    {"markdown", "markdown content", 4096, "bytes"},
    {"image", "image file", 2 * 1024 * 1024, "bytes"},
    {NULL, NULL, 0, NULL},
};

static json_t *text_body(const struct qun_robot_msg *m) {
  json_t *t = json_pack("{s:s}", "content", m->text);
  if (t && (m->nids || m->mention_all)) {
    json_t *l = json_array();
    for (size_t i = 0; i < m->nids; i++)
      json_array_append_new(l, json_string(m->ids[i]));
    if (m->mention_all)
      json_array_append_new(l, json_string("@all"));
    json_object_set_new(t, "mentioned_list", l);
  }
  return json_pack("{s:s, s:o}", "msgtype", "text", "text", t);
}

static int markdown_body(const struct qun_robot_msg *m, json_t **out, char *err, size_t errlen) {
  if (m->mention_all) {
    snprintf(err, errlen, TYPE ": markdown cannot mention everyone (WeCom's markdown has no @all); send text "
             "with mention = \"all\"");
    return QUN_EINVAL;
  }
  size_t n = strlen(m->text) + 1;
  for (size_t i = 0; i < m->nids; i++)
    n += strlen(m->ids[i]) + 4;
  char *s = malloc(n + 1);
  if (!s)
    return QUN_ENOMEM;
  char *p = s + sprintf(s, "%s", m->text);
  for (size_t i = 0; i < m->nids; i++)
    p += sprintf(p, "%s<@%s>", i ? " " : "\n", m->ids[i]);
  int rc = qun_robot_check(TYPE, "markdown", (size_t)(p - s), err, errlen);
  *out = rc < 0 ? NULL : json_pack("{s:s, s:{s:s}}", "msgtype", "markdown", "markdown", "content", s);
  free(s);
  return rc < 0 ? rc : *out ? 0 : QUN_ENOMEM;
}

static int is_jpg_or_png(const unsigned char *p, size_t n) {
  static const unsigned char png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  return (n >= 8 && memcmp(p, png, 8) == 0) || (n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff);
}

static int image_file_body(const char *path, json_t **out, char *err, size_t errlen) {
  size_t max = qun_chan_limit(TYPE, "image")->max;
  struct stat st;
  if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
    snprintf(err, errlen, TYPE ": image %s: no such file", path);
    return QUN_ENOENT;
  }
  int rc = qun_robot_check(TYPE, "image", (size_t)st.st_size, err, errlen);
  if (rc < 0) {
    size_t n = strlen(err);
    snprintf(err + n, errlen - n, " (%s)", path);
    return rc;
  }
  unsigned char *buf;
  size_t len;
  rc = qun_chan_read_file(path, max, &buf, &len);
  if (rc < 0) {
    snprintf(err, errlen, TYPE ": image %s: %s", path,
             rc == QUN_ELIMIT ? "grew over 2 MB while being read" : "cannot be read");
    return rc;
  }
  if (!is_jpg_or_png(buf, len)) {
    free(buf);
    snprintf(err, errlen, TYPE ": image %s is not a JPG or PNG file (WeCom takes only those)", path);
    return QUN_EINVAL;
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  char *b64 = qun_chan_base64(buf, len);
  char *hex = EVP_Digest(buf, len, md, &mdlen, EVP_md5(), NULL) ? qun_chan_hex(md, mdlen) : NULL;
  free(buf);
  *out = b64 && hex ? json_pack("{s:s, s:{s:s, s:s}}", "msgtype", "image", "image", "base64", b64, "md5", hex)
                    : NULL;
  free(b64);
  free(hex);
  return *out ? 0 : QUN_ENOMEM;
}

static json_t *article(const char *title, const char *description, const char *url, const char *picture) {
  return json_pack("{s:s, s:s*, s:s, s:s*}", "title", title, "description", description, "url", url, "picurl",
                   picture);
}

static json_t *news_body(json_t *articles) {
  return json_pack("{s:s, s:{s:o}}", "msgtype", "news", "news", "articles", articles);
}

static json_t *cards_body(const struct qun_robot_msg *m) {
  json_t *a = json_array();
  for (size_t i = 0; i < m->nitems; i++) {
    const json_t *c = m->items[i];
    json_array_append_new(a, article(qun_robot_str(c, "title"), qun_robot_str(c, "description"),
                                     qun_robot_str(c, "url"), qun_robot_str(c, "picture")));
  }
  if (json_array_size(a) != m->nitems) { /* an article was lost: out of memory */
    json_decref(a);
    return NULL;
  }
  return news_body(a);
}

/* The red packet as a text_notice template card: the amount is the
 * emphasised figure, the whole card and its button open the claim page. */
static json_t *redpacket_body(const json_t *rp) {
  const char *url = qun_robot_str(rp, "url");
  const char *note = qun_robot_str(rp, "note");
  const char *expires = qun_robot_str(rp, "expires");
  char desc[64], until[64];
  snprintf(desc, sizeof desc, "元 · 共 %lld 个", (long long)json_integer_value(json_object_get(rp, "count")));
  json_t *rows = NULL;
  if (expires) {
    qun_robot_local_time(expires, until, sizeof until);
    rows = json_pack("[{s:s, s:s}]", "keyname", "有效期至", "value", until);
  }
  return json_pack("{s:s, s:{s:s, s:{s:s}, s:{s:s, s:s}, s:s*, s:o*, s:[{s:i, s:s, s:s}], s:{s:i, s:s}}}",
                   "msgtype", "template_card", "template_card", "card_type", "text_notice", "main_title", "title",
                   "🧧 红包", "emphasis_content", "title", qun_robot_str(rp, "total"), "desc", desc,
                   "sub_title_text", note, "horizontal_content_list", rows, "jump_list", "type", 1, "url", url,
                   "title", "领取红包", "card_action", "type", 1, "url", url);
}

static int body_of(const struct qun_channel *c, const struct qun_chan_msg *m, const struct qun_robot_msg *r,
                   json_t **body, char *err, size_t errlen) {
  int rc = 0;
  switch (r->kind) {
  case QUN_ROBOT_TEXT:
    rc = qun_robot_check(TYPE, "text", strlen(r->text), err, errlen);
    *body = rc < 0 ? NULL : text_body(r);
    break;
  case QUN_ROBOT_MARKDOWN:
    rc = markdown_body(r, body, err, errlen);
    break;
  case QUN_ROBOT_IMAGE:
    if (r->path)
      rc = image_file_body(r->path, body, err, errlen);
    else
      *body = news_body(json_pack("[o]", article(r->image_title ? r->image_title : "图片", NULL, r->url, r->url)));
    break;
  case QUN_ROBOT_LINK:
  case QUN_ROBOT_NEWS:
    *body = cards_body(r);
    break;
  case QUN_ROBOT_REDPACKET:
    *body = redpacket_body(r->redpacket);
    break;
  }
  return rc < 0 ? rc : *body ? 0 : QUN_ENOMEM;
}

/* The URL and its shown form (the key as ***). */
static int urls(const struct qun_channel *c, const struct qun_chan_msg *m, char **url, char **shown, char *err,
                size_t errlen) {
  if (!c->key) {
    snprintf(err, errlen, TYPE ": the channel has no key");
    return QUN_EINVAL;
  }
  char *base = qun_robot_url(c->base_url, HOST, "/cgi-bin/webhook/send?key=");
  char *key = qun_chan_urlencode(c->key);
  *url = base && key ? qun_chan_strdupf("%s%s", base, key) : NULL;
  *shown = base ? qun_chan_strdupf("%s***", base) : NULL;
  free(base);
  free(key);
  return *url && *shown ? 0 : QUN_ENOMEM;
}

static const struct qun_robot_type robot = {TYPE, urls, body_of};

static int render(const struct qun_channel *c, const struct qun_chan_msg *m, struct qun_chan_req *out,
                  char *err, size_t errlen) {
  return qun_robot_render(&robot, c, m, out, err, errlen);
}

static const struct qun_robot_code codes[] = {
    {45009, QUN_CHAN_RETRY, 1, 60000}, /* over 20 a minute: the window is a minute */
    {-1, QUN_CHAN_RETRY, 0, -1},       /* "system busy, try again" */
};

static const struct qun_robot_answer answer = {
    .code = "errcode", .msg = "errmsg", .codes = codes, .ncodes = sizeof codes / sizeof codes[0]};

static void read_answer(const struct qun_channel *c, const struct qun_http_res *res, struct qun_chan_result *out) {
  qun_robot_read(TYPE, &answer, c, res, out);
}

const struct qun_chan_type qun_chan_wecom = {
    .name = TYPE,
    .rates = {{20, 60000}},
    .nrates = 1,
    .ok_status = 200,
    .ok_body = "{\"errcode\":0,\"errmsg\":\"ok\"}",
    .render = render,
    .read = read_answer,
    .limits = limits,
};
