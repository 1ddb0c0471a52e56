/* markdown.c — the markdown walker (markdown.h). Lines first (fences,
 * headings, quotes, items), then each line's inline spans, found by
 * matching an opener with its closer before anything is emitted, so every
 * span a sink sees is closed. */
#define _GNU_SOURCE /* memmem */
#include "deliver/markdown.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_DEPTH 16 /* spans inside spans; deeper openers are text */

static const struct {
  const char *d;
  size_t n;
  enum qun_md_span span;
} delims[] = {{"**", 2, QUN_MD_BOLD},  {"__", 2, QUN_MD_BOLD}, {"~~", 2, QUN_MD_STRIKE},
              {"*", 1, QUN_MD_ITALIC}, {"_", 1, QUN_MD_ITALIC}};
#define NDELIMS (sizeof delims / sizeof delims[0])

struct walk {
  const char *p;
  size_t len;
  const struct qun_md_sink *k;
  void *ud;
  /* The last failed closer search of each delimiter: none in [from, end).
   * A closer's validity depends on its own position only, so a search
   * that starts later and ends no later fails too — without this, a line
   * of unmatched openers would take quadratic time. */
  size_t fail_from[NDELIMS], fail_end[NDELIMS];
  int failed[NDELIMS];
  size_t url_fail_from, url_fail_end; /* the same for a link's "(url)" */
  int url_failed;
};

static int is_space(char c) { return c == ' ' || c == '\t'; }

/* Letters, digits and any non-ASCII byte (CJK is inside a word too). */
static int wordch(char c) {
  unsigned char u = (unsigned char)c;
  return u >= 0x80 || (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z');
}

static int is_punct(char c) {
  return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
}

static char at(const struct walk *w, size_t i) { return i < w->len ? w->p[i] : '\n'; }

static int opener(const struct walk *w, size_t i, size_t k) {
  const char *d = delims[k].d;
  size_t n = delims[k].n;
  if (i + n > w->len || memcmp(w->p + i, d, n) != 0 || is_space(at(w, i + n)) || at(w, i + n) == '\n')
    return 0;
  if (n == 1 && (at(w, i + 1) == d[0] || (i > 0 && w->p[i - 1] == d[0])))
    return 0; /* a single * or _ is not part of a run */
  if (d[0] == '_' && i > 0 && wordch(w->p[i - 1]))
    return 0; /* snake_case is not emphasis */
  return 1;
}

static int closer(const struct walk *w, size_t j, size_t k) {
  const char *d = delims[k].d;
  size_t n = delims[k].n;
  if (j == 0 || memcmp(w->p + j, d, n) != 0 || is_space(w->p[j - 1]) || w->p[j - 1] == '\\')
    return 0;
  if (n == 1 && (w->p[j - 1] == d[0] || at(w, j + 1) == d[0]))
    return 0;
  if (d[0] == '_' && wordch(at(w, j + n)))
    return 0;
  return 1;
}

/* The closer of delimiter k for an opener at i, in the line up to e; or 0. */
static size_t find_closer(struct walk *w, size_t i, size_t e, size_t k) {
  size_t n = delims[k].n, from = i + n + 1; /* a span holds something */
  if (from + n > e)
    return 0;
  if (w->failed[k] && from >= w->fail_from[k] && e <= w->fail_end[k])
    return 0;
  for (size_t j = from; j + n <= e; j++) {
    const char *c = memchr(w->p + j, delims[k].d[0], e - j);
    if (!c)
      break;
    j = (size_t)(c - w->p);
    if (j + n <= e && closer(w, j, k))
      return j;
  }
  w->failed[k] = 1, w->fail_from[k] = from, w->fail_end[k] = e;
  return 0;
}

static void text(struct walk *w, size_t from, size_t to) {
  if (to > from)
    w->k->text(w->ud, w->p + from, to - from);
}

/* `<font ...>` or `</font>` at i: the tag's length, or 0. */
static size_t font_tag(const struct walk *w, size_t i, size_t e) {
  const char *s = w->p + i;
  size_t n = e - i;
  if (n >= 7 && strncasecmp(s, "</font>", 7) == 0)
    return 7;
  if (n < 6 || strncasecmp(s, "<font", 5) != 0 || (s[5] != '>' && !is_space(s[5])))
    return 0;
  const char *gt = memchr(s, '>', n);
  return gt ? (size_t)(gt - s) + 1 : 0;
}

static void inline_range(struct walk *w, size_t s, size_t e, int depth, int in_link);

/* Is there a [text](url) at i (p[i] == '[')? Sets *rb to the ']' and *rp
 * to the ')'. Link text holds no bracket and a URL no space, so scans
 * stay linear (with the memo for a URL that never ends). */
static int link_at(struct walk *w, size_t i, size_t e, size_t *rb, size_t *rp) {
  size_t k = i + 1;
  while (k < e && w->p[k] != '[' && w->p[k] != ']')
    k++;
  if (k + 1 >= e || w->p[k] != ']' || w->p[k + 1] != '(')
    return 0;
  size_t u = k + 2;
  if (w->url_failed && u >= w->url_fail_from && e <= w->url_fail_end)
    return 0;
  while (u < e && w->p[u] != ')' && !is_space(w->p[u]))
    u++;
  if (u >= e) { /* no ')' nor space up to e: no URL starting later ends either */
    w->url_failed = 1, w->url_fail_from = k + 2, w->url_fail_end = e;
    return 0;
  }
  if (w->p[u] != ')' || u == k + 2)
    return 0;
  *rb = k, *rp = u;
  return 1;
}

static void inline_range(struct walk *w, size_t s, size_t e, int depth, int in_link) {
  size_t lit = s, i = s;
  int ticks = 1; /* a backtick may still close in [i, e) */
  while (i < e) {
    char c = w->p[i];
    size_t next = 0;
    if (c == '\\' && i + 1 < e && is_punct(w->p[i + 1])) {
      text(w, lit, i);
      w->k->text(w->ud, w->p + i + 1, 1);
      next = i + 2;
    } else if (c == '`' && ticks) {
      const char *t = memchr(w->p + i + 1, '`', e - i - 1);
      if (!t)
        ticks = 0; /* no backtick after this one: all the rest are text */
      else if (t > w->p + i + 1) {
        text(w, lit, i);
        w->k->span(w->ud, QUN_MD_CODE, 1, NULL, 0);
        text(w, i + 1, (size_t)(t - w->p));
        w->k->span(w->ud, QUN_MD_CODE, 0, NULL, 0);
        next = (size_t)(t - w->p) + 1;
      }
    } else if (!in_link && (c == '[' || (c == '!' && i + 1 < e && w->p[i + 1] == '['))) {
      size_t b = c == '!' ? i + 1 : i, rb, rp;
      if (link_at(w, b, e, &rb, &rp)) {
        const char *url = w->p + rb + 2;
        size_t ulen = rp - (rb + 2);
        text(w, lit, i);
        w->k->span(w->ud, QUN_MD_LINK, 1, url, ulen);
        if (c == '!' && rb == b + 1)
          w->k->text(w->ud, url, ulen); /* ![](url): the URL is the text */
        else if (c == '!')
          text(w, b + 1, rb); /* alt text is plain */
        else
          inline_range(w, b + 1, rb, depth + 1, 1);
        w->k->span(w->ud, QUN_MD_LINK, 0, NULL, 0);
        next = rp + 1;
      }
    } else if (c == '<') {
      size_t t = font_tag(w, i, e);
      if (t) {
        text(w, lit, i);
        next = i + t;
      }
    } else if (depth < MAX_DEPTH && (c == '*' || c == '_' || c == '~')) {
      for (size_t k = 0; k < NDELIMS && !next; k++) {
        if (!opener(w, i, k))
          continue;
        size_t j = find_closer(w, i, e, k);
        if (!j)
          continue;
        size_t n = delims[k].n;
        text(w, lit, i);
        w->k->span(w->ud, delims[k].span, 1, NULL, 0);
        inline_range(w, i + n, j, depth + 1, in_link);
        w->k->span(w->ud, delims[k].span, 0, NULL, 0);
        next = j + n;
      }
    }
    if (next)
      lit = i = next;
    else
      i++;
  }
  text(w, lit, e);
}

void qun_md_walk(const char *md, size_t len, const struct qun_md_sink *sink, void *ud) {
  struct walk w = {.p = md, .len = len, .k = sink, .ud = ud};
  enum qun_md_line prev = QUN_MD_END;
  int fenced = 0;
  for (size_t pos = 0; pos < len;) {
    const char *nl = memchr(md + pos, '\n', len - pos);
    size_t end = nl ? (size_t)(nl - md) : len, next = nl ? end + 1 : len;
    size_t s = pos, e = end;
    if (e > s && md[e - 1] == '\r')
      e--;
    pos = next;
    size_t b = s; /* up to three spaces of indent */
    while (b < e && b - s < 3 && md[b] == ' ')
      b++;
    enum qun_md_line kind = QUN_MD_PARA;
    size_t c = s;
    if (e - b >= 3 && memcmp(md + b, "```", 3) == 0) {
      const char *close = fenced ? NULL : memmem(md + b + 3, e - b - 3, "```", 3);
      if (!close) {
        fenced = !fenced; /* a fence line (and its language) is not shown */
        continue;
      }
      kind = QUN_MD_PRE; /* ```code``` on one line */
      s = b + 3, e = (size_t)(close - md);
    } else if (fenced) {
      kind = QUN_MD_PRE;
    } else if (b < e && md[b] == '#') {
      size_t h = b;
      while (h < e && md[h] == '#')
        h++;
      if (h - b <= 6 && (h == e || is_space(md[h]))) {
        kind = QUN_MD_HEADING;
        for (c = h; c < e && is_space(md[c]); c++)
          ;
      }
    } else if (b < e && md[b] == '>') {
      kind = QUN_MD_QUOTE;
      c = b + 1 + (b + 1 < e && md[b + 1] == ' ');
    } else if (b + 1 < e && (md[b] == '-' || md[b] == '*' || md[b] == '+') && is_space(md[b + 1])) {
      kind = QUN_MD_ITEM;
      for (c = b + 1; c < e && is_space(md[c]); c++)
        ;
    }
    sink->line(ud, kind, prev);
    if (kind == QUN_MD_PRE)
      text(&w, s, e);
    else
      inline_range(&w, c, e, 0, 0);
    prev = kind;
  }
  sink->line(ud, QUN_MD_END, prev);
}

void qun_md_buf_add(struct qun_md_buf *b, const char *s, size_t n) {
  if (b->oom)
    return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1)
      cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
      b->oom = 1;
      return;
    }
    b->p = p, b->cap = cap;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

void qun_md_buf_adds(struct qun_md_buf *b, const char *s) { qun_md_buf_add(b, s, strlen(s)); }

char *qun_md_buf_take(struct qun_md_buf *b) {
  char *p = b->oom ? NULL : b->p ? b->p : strdup("");
  if (b->oom)
    free(b->p);
  memset(b, 0, sizeof *b);
  return p;
}
