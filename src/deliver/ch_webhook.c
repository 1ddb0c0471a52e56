/* ch_webhook.c — the webhook channel: our own JSON over HTTP, for a
 * backend that forwards to members (members_channel) or pays out red
 * packets (payout_channel). docs/channels/webhook.md is the contract a
 * receiver implements:
 *   POST url
 *   Content-Type: application/json
 *   Idempotency-Key: <id>
 *   X-Qun-Signature: sha256=<lowercase hex HMAC-SHA256(secret, body)>  (when secret is set)
 *   {"id":<id>,"to":"group:G"|"member:M","member":"M"|null,"msg":{…}}
 *   {"id":<id>,"type":"payout","packet","claim","member","fen","billno"}
 * <id> is the message's idempotency key, with every byte outside visible
 * ASCII (and % itself) percent-encoded so that it is a safe header value:
 * the same in the header and the body. The message object goes as the
 * outbox holds it. Answers: 2xx sent; 409 Conflict sent too (the
 * receiver already has this id); 408, 429, 5xx and transport errors retry
 * (Retry-After honoured); any other status is dead. */
#include "deliver/channel.h"
#include "deliver/chan_msg.h"
#include "deliver/http_client.h"
#include "host/config.h"
#include "core/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BILLNO_MAX 28 /* WeChat Pay's mch_billno: 1–28 of [0-9A-Za-z] */

static int oom(char *err, size_t errlen) {
  snprintf(err, errlen, "webhook: out of memory");
  return QUN_ENOMEM;
}

/* The key as a header value: visible ASCII but %, the rest as %XX. */
static char *header_key(const char *key) {
  size_t n = 0;
  for (const unsigned char *p = (const unsigned char *)key; *p; p++)
    n += *p > 0x20 && *p < 0x7f && *p != '%' ? 1 : 3;
  char *out = malloc(n + 1), *o = out;
  for (const unsigned char *p = (const unsigned char *)key; out && *p; p++) {
    if (*p > 0x20 && *p < 0x7f && *p != '%')
      *o++ = (char)*p;
    else
      o += sprintf(o, "%%%02X", *p);
  }
  if (out)
    *o = '\0';
  return out;
}

/* The URL shown: a query (?token=…) and a user:password@ become ***. */
static char *shown(const char *url) {
  const char *p = strstr(url, "://");
  const char *host = p ? p + 3 : url;
  size_t hl = strcspn(host, "/?#");
  const char *at = NULL;
  for (size_t i = 0; i < hl; i++)
    if (host[i] == '@')
      at = host + i;
  size_t q = strcspn(url, "?#");
  const char *rest = at ? at + 1 : host; /* host and path, up to the query */
  return qun_chan_strdupf("%.*s%s%.*s%s", (int)(host - url), url, at ? "***@" : "",
                          (int)(url + q - rest), rest, url[q] == '?' ? "?***" : "");
}

static int is_alnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* {"id", "type": "payout", "packet", "claim", "member", "fen", "billno"} */
static json_t *payout(const struct qun_channel *c, const struct qun_chan_msg *m, const char *id, int *rc,
                      char *err, size_t errlen) {
  const json_t *p = json_object_get(m->msg, "payout");
  const char *packet = json_string_value(json_object_get(p, "packet"));
  const char *member = json_string_value(json_object_get(p, "member"));
  const char *billno = json_string_value(json_object_get(p, "billno"));
  const json_t *claim = json_object_get(p, "claim"), *fen = json_object_get(p, "fen");
  *rc = QUN_EINVAL;
  if (!member)
    member = m->member;
  size_t bl = billno ? strlen(billno) : 0, ok = 0;
  while (ok < bl && is_alnum(billno[ok]))
    ok++;
  if (!c->secret)
    snprintf(err, errlen, "webhook: channel '%s' carries a payout but has no secret: payouts are signed "
                          "(secret = env(\"...\"))", c->name);
  else if (!packet || !*packet || !member || !*member || !(json_is_integer(claim) || json_is_string(claim)))
    snprintf(err, errlen, "webhook: the payout is not {packet, claim, member, fen, billno}");
  else if (!json_is_integer(fen) || json_integer_value(fen) < 1)
    snprintf(err, errlen, "webhook: the payout's fen is not a whole number of fen of at least 1");
  else if (!bl || bl > BILLNO_MAX || ok < bl)
    snprintf(err, errlen, "webhook: the payout's billno is not 1 to %d letters and digits", BILLNO_MAX);
  else
    *rc = 0;
  if (*rc < 0)
    return NULL;
  json_t *o = json_pack("{s:s, s:s, s:s, s:O, s:s, s:O, s:s}", "id", id, "type", "payout", "packet", packet,
                        "claim", claim, "member", member, "fen", fen, "billno", billno);
  if (!o)
    *rc = oom(err, errlen);
  return o;
}

static int render(const struct qun_channel *c, const struct qun_chan_msg *m, struct qun_chan_req *out,
                  char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  if (!c->url) {
    snprintf(err, errlen, "webhook: channel '%s' has no url", c->name);
    return QUN_EINVAL;
  }
  if (!m->key || !*m->key) {
    snprintf(err, errlen, "webhook: the message has no idempotency key");
    return QUN_EINVAL;
  }
  char *id = header_key(m->key);
  if (!id)
    return oom(err, errlen);
  int rc = 0;
  json_t *body;
  if (json_object_get(m->msg, "payout")) {
    body = payout(c, m, id, &rc, err, errlen);
  } else {
    body = json_pack("{s:s, s:s, s:o, s:O}", "id", id, "to", m->target ? m->target : "", "member",
                     m->member ? json_string(m->member) : json_null(), "msg", m->msg);
    if (!body)
      rc = oom(err, errlen);
  }
  if (rc < 0) {
    free(id);
    return rc;
  }
  int bad = qun_chan_post_json(out, strdup(c->url), shown(c->url), body) < 0 ||
            !(out->headers[1] = qun_chan_strdupf("Idempotency-Key: %s", id));
  json_decref(body);
  free(id);
  if (!bad && c->secret) {
    unsigned char mac[32];
    char *hex = NULL;
    bad = qun_chan_hmac_sha256(c->secret, strlen(c->secret), out->body, out->len, mac) < 0 ||
          !(hex = qun_chan_hex(mac, sizeof mac)) ||
          !(out->headers[2] = qun_chan_strdupf("X-Qun-Signature: sha256=%s", hex));
    free(hex);
  }
  if (bad) {
    qun_chan_req_free(out);
    return oom(err, errlen);
  }
  return 0;
}

static void read(const struct qun_channel *c, const struct qun_http_res *res, struct qun_chan_result *out) {
  qun_chan_read_http("webhook", res, out);
  if (!res->error && res->status == 409) /* the receiver already has this id: done */
    out->verdict = QUN_CHAN_SENT, out->reason[0] = '\0';
  qun_chan_scrub(out->reason, sizeof out->reason, c->secret);
  /* The query may hold a token: hide it whole, and each value alone
   * (those of 6 characters or more: "?page=1" would hide every digit 1). */
  const char *q = c->url ? strchr(c->url, '?') : NULL;
  if (!q || !q[1])
    return;
  char query[512];
  snprintf(query, sizeof query, "%.*s", (int)strcspn(q + 1, "#"), q + 1);
  qun_chan_scrub(out->reason, sizeof out->reason, query);
  for (char *save = NULL, *kv = strtok_r(query, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
    char *v = strchr(kv, '=');
    v = v ? v + 1 : kv;
    if (strlen(v) >= 6)
      qun_chan_scrub(out->reason, sizeof out->reason, v);
  }
}

const struct qun_chan_type qun_chan_webhook = {
    .name = "webhook",
    .ok_status = 200,
    .ok_body = "{}",
    .render = render,
    .read = read,
};
