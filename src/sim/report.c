/* report.c — placeholder until the report lands. */
#include "sim/report.h"

#include <stdio.h>

int qun_report_write(const char *path, const struct qun_report_variant *v, size_t n, char *err,
                     size_t errlen) {
  (void)v, (void)n;
  FILE *f = fopen(path, "w");
  if (!f) {
    snprintf(err, errlen, "%s: cannot write", path);
    return -1;
  }
  fputs("<!doctype html><title>qun</title>\n", f);
  return fclose(f);
}
