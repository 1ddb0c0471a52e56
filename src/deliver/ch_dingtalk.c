/* ch_dingtalk.c — the dingtalk channel (placeholder: rendering comes next). */
#include "deliver/channel.h"
#include "core/err.h"

#include <stdio.h>
#include <string.h>

static int render(const struct qun_channel *c, const struct qun_chan_msg *m, struct qun_chan_req *out,
                  char *err, size_t errlen) {
  (void)c, (void)m;
  memset(out, 0, sizeof *out);
  snprintf(err, errlen, "the dingtalk channel is not in this build yet");
  return QUN_ESTATE;
}

const struct qun_chan_type qun_chan_dingtalk = {.name = "dingtalk", .render = render};
