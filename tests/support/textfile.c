/* textfile.c — a test's text files (see textfile.h). */
#include "textfile.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

char *read_lines(const char *path, int from) {
  static char buf[1 << 17];
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  char line[8192];
  size_t n = 0;
  int k = 0;
  buf[0] = '\0';
  while (fgets(line, sizeof line, f))
    if (k++ >= from)
      n += (size_t)snprintf(buf + n, sizeof buf - n, "%s", line);
  fclose(f);
  return buf;
}

int count_in(const char *text, const char *needle) {
  int n = 0;
  for (const char *p = text; (p = strstr(p, needle)); p++)
    n++;
  return n;
}
