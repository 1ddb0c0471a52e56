/* report.h — report.html: one self-contained page (no network: styles,
 * script and data inline) that shows a dry-run to an operator: a timeline
 * per group (sends, countdown marks, red packets, sale windows), the
 * funnel (reached → read → clicked → paid → bought), the per-member daily
 * load histogram, deferred/dropped reasons, lateness, errors and warnings;
 * with two variants (--vs / --variant) side by side, and with several
 * runs the p5/p50/p95 bands. Plain C; the page's script renders from the
 * embedded data. */
#ifndef QUN_REPORT_H
#define QUN_REPORT_H

#include <jansson.h>
#include <stddef.h>

/* One variant of the report: its label ("A", "weekend_flash_sale.lua"),
 * its summary, and the timeline: an array of
 *   {"t": ms, "group": id or null, "member": id or null, "kind":
 *    "send"|"countdown"|"redpacket"|"window"|"event", "label": short text,
 *    "channel", "to", "end": ms (windows)}
 * in time order (qun_summary_finish builds it from the first run).
 * A volume entry also has "count" (how many in [t, end)): member sends
 * (kind "send", "to": "members"), purchases (kind "event", label
 * "purchase"), and group sends when there are too many to draw one by one
 * (kind "send", "to": "group:ID"); timeline.h says how it stays bounded.
 * The page draws one shape per entry, marked data-mark="send", "volume",
 * "purchase", "countdown", "redpacket" or "window" inside the
 * <svg class="timeline" data-variant="I">, and each key number in an
 * element with data-k="sends.total" (a summary.json path) and
 * data-variant="I"; <body> gets data-ok="1" once the script has drawn it
 * all, data-error="…" if it could not. */
struct qun_report_variant {
  const char *label;
  const json_t *summary;
  const json_t *timeline;
};

/* Writes the page to path. 0, or -1 with one line in err. */
int qun_report_write(const char *path, const struct qun_report_variant *v, size_t n, char *err,
                     size_t errlen);

#endif
