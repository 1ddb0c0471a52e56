/* template.c — message templates (see template.h). */
#include "core/template.h"
#include "core/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int name_char(char c) {
  return name_start(c) || (c >= '0' && c <= '9');
}

/* If p opens a variable ("{name}"), returns the name's length (and the
 * name starts at p + 1); else 0. */
static size_t variable_at(const char *p) {
  if (p[0] != '{' || !name_start(p[1]))
    return 0;
  size_t n = 1;
  while (name_char(p[1 + n]))
    n++;
  return p[1 + n] == '}' ? n : 0;
}

struct sbuf {
  char *s;
  size_t len, cap;
};

static int put(struct sbuf *b, const char *p, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = (b->len + n + 1) * 2;
    char *s = realloc(b->s, cap);
    if (!s)
      return QUN_ENOMEM;
    b->s = s, b->cap = cap;
  }
  memcpy(b->s + b->len, p, n);
  b->len += n;
  b->s[b->len] = '\0';
  return 0;
}

int qun_template_render(const char *tpl, qun_template_lookup lookup, void *ud, char **out,
                        char *err, size_t errlen) {
  struct sbuf b = {0};
  int rc = put(&b, "", 0);
  for (const char *p = tpl; *p && rc == 0;) {
    size_t n;
    if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
      rc = put(&b, p, 1);
      p += 2;
    } else if ((n = variable_at(p))) {
      const char *val;
      size_t len;
      if (!lookup(ud, p + 1, n, &val, &len)) {
        snprintf(err, errlen, "no variable '%.*s'", (int)n, p + 1);
        rc = QUN_ENOENT;
        break;
      }
      rc = put(&b, val, len);
      p += n + 2;
    } else {
      size_t run = strcspn(p + 1, "{}") + 1;
      rc = put(&b, p, run);
      p += run;
    }
  }
  if (rc < 0) {
    if (rc == QUN_ENOMEM)
      snprintf(err, errlen, "out of memory");
    free(b.s);
    *out = NULL;
    return rc;
  }
  *out = b.s;
  return 0;
}

int qun_template_names(const char *tpl, void (*cb)(void *ud, const char *name, size_t len), void *ud) {
  int count = 0;
  for (const char *p = tpl; *p;) {
    size_t n;
    if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
      p += 2;
    } else if ((n = variable_at(p))) {
      cb(ud, p + 1, n);
      count++;
      p += n + 2;
    } else {
      p++;
    }
  }
  return count;
}
