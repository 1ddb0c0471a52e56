/* ch_console.c — the console channel: one line per message on the run's
 * log stream ("→ group:sh-1: 早安!"), for rehearsals and demos. */
#include "deliver/channel.h"
#include "core/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int render(const struct qun_channel *c, const struct qun_chan_msg *m, struct qun_chan_req *out,
                  char *err, size_t errlen) {
  (void)c, (void)err, (void)errlen;
  memset(out, 0, sizeof *out);
  const char *text = json_string_value(json_object_get(m->msg, "text"));
  if (!text)
    text = json_string_value(json_object_get(m->msg, "markdown"));
  char *other = text ? NULL : qun_chan_json(m->msg, NULL);
  out->body = qun_chan_strdupf("→ %s: %s", m->target, text ? text : other ? other : "{}");
  free(other);
  if (!out->body)
    return QUN_ENOMEM;
  out->len = strlen(out->body);
  return 0;
}

const struct qun_chan_type qun_chan_console = {.name = "console", .render = render};
