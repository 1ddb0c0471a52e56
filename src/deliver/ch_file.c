/* ch_file.c — the file channel: each message appended to a JSON-lines
 * file as {"t", "key", "to", "member", "msg"} — for an integration that
 * tails a file, and for audits. */
#include "deliver/channel.h"
#include "host/config.h"
#include "core/err.h"
#include "core/transcript.h"

#include <stdlib.h>
#include <string.h>

static int render(const struct qun_channel *c, const struct qun_chan_msg *m, struct qun_chan_req *out,
                  char *err, size_t errlen) {
  (void)err, (void)errlen;
  memset(out, 0, sizeof *out);
  json_t *o = json_object();
  json_object_set_new(o, "t", qun_transcript_time(m->now_ms));
  json_object_set_new(o, "key", json_string(m->key));
  json_object_set_new(o, "to", json_string(m->target));
  json_object_set_new(o, "member", m->member ? json_string(m->member) : json_null());
  json_object_set_new(o, "msg", json_deep_copy(m->msg));
  out->body = qun_chan_json(o, &out->len);
  json_decref(o);
  out->url = strdup(c->path);
  out->shown_url = strdup(c->path);
  return out->body && out->url && out->shown_url ? 0 : QUN_ENOMEM;
}

const struct qun_chan_type qun_chan_file = {.name = "file", .render = render};
