/* stdlib.h — the Lua modules of lua/stdlib, embedded at build time
 * (scripts/embed_stdlib.cmake) and found by `require "qun.<name>"`. */
#ifndef QUN_STDLIB_H
#define QUN_STDLIB_H

#include <stddef.h>

struct qun_stdlib_module {
  const char *name;   /* "qun.rain" */
  const char *path;   /* "lua/stdlib/qun/rain.lua", for error messages */
  const char *source;
  size_t len;
};

extern const struct qun_stdlib_module qun_stdlib[]; /* ends with {0} */

#endif
