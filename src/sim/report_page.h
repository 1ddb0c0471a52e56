/* report_page.h — the fixed parts of report.html (report_page.c). */
#ifndef QUN_REPORT_PAGE_H
#define QUN_REPORT_PAGE_H

extern const char qun_report_css[];
extern const char qun_report_js[];

#endif
