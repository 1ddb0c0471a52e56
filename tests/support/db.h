/* db.h — reading a number out of a qun database in a test, while a daemon
 * may be writing to it (sqlite3, cmocka). */
#ifndef QUN_TEST_DB_H
#define QUN_TEST_DB_H

#include <stdint.h>

/* The first column of the first row of sql on the database file db,
 * waiting up to 5 s for a lock; fails the test when the query is not
 * valid or returns no row. */
int64_t db_int(const char *db, const char *sql);

#endif
