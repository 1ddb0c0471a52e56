/* scratch.h — a test's scratch directory, removed with what it holds. */
#ifndef QUN_TEST_SCRATCH_H
#define QUN_TEST_SCRATCH_H

/* Removes dir and everything below it (symbolic links are not followed).
 * 0, or -1 if something could not be removed. */
int scratch_remove(const char *dir);

#endif
