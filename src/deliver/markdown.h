/* markdown.h — reads the markdown a playbook writes and walks it as events,
 * so that a channel writes its platform's own dialect (Slack's mrkdwn,
 * Telegram's HTML) with its own escaping. The subset is what the group
 * robots of WeCom, DingTalk and Feishu also take, so one message can go to
 * all of them:
 *   lines   "# heading" (1–6 #), "> quote", "- item" ("*", "+" too),
 *           ``` fenced code ```; any other line is a paragraph line;
 *   inline  **bold**, __bold__, *italic*, _italic_ (not inside a word),
 *           ~~strike~~, `code`, [text](url), ![alt](url) (a link),
 *           \* (a literal *), and WeCom's <font color="..">…</font>,
 *           whose tags are dropped.
 * It never fails: what is not markup is text, an opener without its
 * closer is text, spans nest properly (a sink can write tags that always
 * balance), and the walk takes time linear in the input for all but
 * contrived inputs. Plain C; no allocation. */
#ifndef QUN_MARKDOWN_H
#define QUN_MARKDOWN_H

#include <stddef.h>

enum qun_md_line { QUN_MD_END, QUN_MD_PARA, QUN_MD_HEADING, QUN_MD_QUOTE, QUN_MD_ITEM, QUN_MD_PRE };
enum qun_md_span { QUN_MD_BOLD, QUN_MD_ITALIC, QUN_MD_STRIKE, QUN_MD_CODE, QUN_MD_LINK };

struct qun_md_sink {
  /* A line of `kind` begins; `prev` is the kind of the line before it
   * (QUN_MD_END for the first). Called once more at the end with kind
   * QUN_MD_END, so a sink can close what the last line opened. */
  void (*line)(void *ud, enum qun_md_line kind, enum qun_md_line prev);
  /* Literal text (never markup): the sink escapes it for its dialect. */
  void (*text)(void *ud, const char *s, size_t n);
  /* A span opens or closes; a link gives its URL (raw) when it opens. Spans
   * close in the reverse order they opened; a code span holds only text;
   * a link's text holds no link. */
  void (*span)(void *ud, enum qun_md_span span, int open, const char *url, size_t urllen);
};

void qun_md_walk(const char *md, size_t len, const struct qun_md_sink *sink, void *ud);

/* A growing NUL-terminated string for the sinks: an allocation failure
 * sets oom and later adds do nothing. */
struct qun_md_buf {
  char *p;
  size_t len, cap;
  int oom;
};
void qun_md_buf_add(struct qun_md_buf *b, const char *s, size_t n);
void qun_md_buf_adds(struct qun_md_buf *b, const char *s);
/* Hands over the string (NULL if an allocation failed) and resets b. */
char *qun_md_buf_take(struct qun_md_buf *b);

#endif
