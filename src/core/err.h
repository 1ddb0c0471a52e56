/* err.h — error codes shared by the plain C core.
 *
 * Core functions return 0 (or a non-negative count) on success and a
 * negative QUN_E* code on failure; qun_strerror() names the code. */
#ifndef QUN_ERR_H
#define QUN_ERR_H

enum {
  QUN_OK = 0,
  QUN_EINVAL = -1,   /* input cannot be read (syntax) */
  QUN_ERANGE = -2,   /* value out of range */
  QUN_ENOMEM = -3,   /* allocation failed */
  QUN_ENOENT = -4,   /* no such thing (file, zone, member, job) */
  QUN_EIO = -5,      /* read/write/database failure */
  QUN_EEXIST = -6,   /* already exists (duplicate name, key) */
  QUN_ELIMIT = -7,   /* a configured limit was hit */
  QUN_ESTATE = -8,   /* not allowed in the current state */
  QUN_EVERSION = -9, /* data written by a newer qun */
};

const char *qun_strerror(int code);

#endif
