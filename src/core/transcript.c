/* transcript.c — transcript lines (see transcript.h). */
#include "core/transcript.h"
#include "core/tz.h"

static int64_t floor_div(int64_t a, int64_t b) {
  return a / b - (a % b < 0);
}

json_t *qun_transcript_time(int64_t t_ms) {
  char buf[40];
  qun_tz_rfc3339(floor_div(t_ms, 1000), buf, sizeof buf);
  return json_string(buf);
}

char *qun_transcript_line(int64_t t_ms, const char *ev, json_t *fields) {
  json_t *line = json_object();
  char *s = NULL;
  if (line && json_object_set_new(line, "t", qun_transcript_time(t_ms)) == 0 &&
      json_object_set_new(line, "ev", json_string(ev)) == 0 &&
      (!fields || json_object_update(line, fields) == 0))
    s = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(fields);
  json_decref(line);
  return s;
}
