/* ch_webhook.c — the generic webhook: our own format, for a team's backend
 * (and the red-packet payouts). POST url with the message as JSON:
 *
 *   {"key": "<idempotency key>", "to": "payout:…", "member": "m1",
 *    <the message's content: "text", "markdown", "link", "news", "image"
 *     (by URL), "redpacket" or "payout">, "mention": ...}
 *
 * headers Content-Type: application/json, Idempotency-Key: <key> and,
 * when the channel has a secret, X-Qun-Signature: sha256=<hex
 * HMAC-SHA256(secret, body)>. The body is a function of the message alone
 * (no clock), so a retry sends the same bytes and the same signature. Any
 * 2xx is success; 408, 429 and 5xx are retried; another 4xx is final. */
#include "deliver/channel.h"
#include "deliver/http_client.h"
#include "host/config.h"
#include "core/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int render(const struct qun_channel *c, const struct qun_chan_msg *m, struct qun_chan_req *out,
                  char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  if (!c || !c->url) {
    snprintf(err, errlen, "webhook: the channel has no url");
    return QUN_EINVAL;
  }
  const json_t *image = json_object_get(m->msg, "image");
  if (image && !json_object_get(image, "url")) {
    snprintf(err, errlen, "webhook: an image goes by URL (image = \"https://...\"), not as a file");
    return QUN_EINVAL;
  }
  json_t *body = json_object();
  json_object_set_new(body, "key", json_string(m->key ? m->key : ""));
  json_object_set_new(body, "to", json_string(m->target));
  if (m->member)
    json_object_set_new(body, "member", json_string(m->member));
  json_object_update(body, (json_t *)m->msg);
  out->body = qun_chan_json(body, &out->len);
  json_decref(body);
  if (!out->body)
    return QUN_ENOMEM;
  out->method = "POST";
  out->url = strdup(c->url);
  /* A URL may carry a credential in its query: never shown. */
  const char *q = strchr(c->url, '?');
  out->shown_url = q ? qun_chan_strdupf("%.*s?***", (int)(q - c->url), c->url) : strdup(c->url);
  int h = 0;
  out->headers[h++] = strdup("Content-Type: application/json");
  out->headers[h++] = qun_chan_strdupf("Idempotency-Key: %s", m->key ? m->key : "");
  if (c->secret) {
    unsigned char mac[32];
    char *hex = NULL;
    if (qun_chan_hmac_sha256(c->secret, strlen(c->secret), out->body, out->len, mac) == 0)
      hex = qun_chan_hex(mac, sizeof mac);
    out->headers[h++] = hex ? qun_chan_strdupf("X-Qun-Signature: sha256=%s", hex) : NULL;
    free(hex);
  }
  int ok = out->url && out->shown_url;
  for (int i = 0; i < h; i++)
    ok = ok && out->headers[i];
  if (!ok) { /* out of memory: the headers may have holes */
    for (int i = 0; i < h; i++)
      free(out->headers[i]), out->headers[i] = NULL;
    qun_chan_req_free(out);
    return QUN_ENOMEM;
  }
  return 0;
}

static void read_answer(const struct qun_channel *c, const struct qun_http_res *res, struct qun_chan_result *out) {
  (void)c;
  qun_chan_read_http("webhook", res, out);
}

const struct qun_chan_type qun_chan_webhook = {
    .name = "webhook", .ok_status = 200, .ok_body = "", .render = render, .read = read_answer};
