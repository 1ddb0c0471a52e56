/* import.h — members and events from files: CSV (members, with a header
 * row; parsed with libcsv) or JSON lines (jansson). Every row is checked;
 * the import is one transaction, so one bad row imports nothing. A
 * re-import updates what is there instead of duplicating it.
 * Uses: store/store, core/timespec. */
#ifndef QUN_IMPORT_H
#define QUN_IMPORT_H

#include <stddef.h>
#include <stdint.h>

struct qun_store;

/* Return the number of rows imported, or -1 with one line in err:
 * "members.csv:57: column \"id\" is empty". `now` stamps the rows. */
int64_t qun_import_members(struct qun_store *st, const char *path, int64_t now, char *err, size_t errlen);
int64_t qun_import_events(struct qun_store *st, const char *path, int64_t now, char *err, size_t errlen);

#endif
