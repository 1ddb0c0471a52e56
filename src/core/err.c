#include "err.h"

const char *qun_strerror(int code) {
  switch (code) {
  case QUN_OK: return "ok";
  case QUN_EINVAL: return "invalid input";
  case QUN_ERANGE: return "value out of range";
  case QUN_ENOMEM: return "out of memory";
  case QUN_ENOENT: return "not found";
  case QUN_EIO: return "input/output error";
  case QUN_EEXIST: return "already exists";
  case QUN_ELIMIT: return "limit exceeded";
  case QUN_ESTATE: return "not allowed now";
  case QUN_EVERSION: return "written by a newer version of qun";
  default: return "unknown error";
  }
}
