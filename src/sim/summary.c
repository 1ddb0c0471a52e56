/* summary.c — placeholder until the summary lands: counts lines only. */
#include "sim/summary.h"

#include <stdlib.h>

struct qun_summary {
  long lines;
};

struct qun_summary *qun_summary_new(void) {
  return calloc(1, sizeof(struct qun_summary));
}

void qun_summary_line(struct qun_summary *s, const char *line, size_t len) {
  (void)line, (void)len;
  s->lines++;
}

json_t *qun_summary_finish(struct qun_summary *s, const json_t *facts, json_t **timeline) {
  json_t *o = json_object();
  json_object_set_new(o, "lines", json_integer(s->lines));
  if (facts)
    json_object_update(o, (json_t *)facts);
  if (timeline)
    *timeline = json_array();
  free(s);
  return o;
}

json_t *qun_summary_aggregate(json_t *const *runs, size_t n) {
  (void)runs;
  return json_pack("{s:i}", "runs", (json_int_t)n);
}
