/* textfile.h — the text files a test writes and reads back (a playbook,
 * a team config, a transcript), with cmocka checks. */
#ifndef QUN_TEST_TEXTFILE_H
#define QUN_TEST_TEXTFILE_H

/* Writes text to path (replacing it); fails the test if it cannot. */
void write_file(const char *path, const char *text);

/* The lines of the file at path from line `from` (0-based) on, as one
 * string in a static buffer (128 KiB; the rest is cut), valid until the
 * next call; fails the test if the file cannot be opened. */
char *read_lines(const char *path, int from);

/* How many times needle occurs in text (overlapping ones too). */
int count_in(const char *text, const char *needle);

#endif
