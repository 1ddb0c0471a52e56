/* template.h — message templates: "{name}，今晚8点开抢!" with variables
 * looked up by the caller (member fields, then the send's vars).
 * "{{" and "}}" write a literal brace; a "{" that does not open a
 * variable name ("{ ", "{}") is kept as it is. An unknown variable is an
 * error naming it. Plain C. */
#ifndef QUN_TEMPLATE_H
#define QUN_TEMPLATE_H

#include <stddef.h>

/* Looks a variable up: returns 1 and sets *val (and *len), or 0 if there
 * is no such variable. */
typedef int (*qun_template_lookup)(void *ud, const char *name, size_t name_len,
                                   const char **val, size_t *len);

/* Renders tpl into a malloc'd string (*out). On an unknown variable returns
 * QUN_ENOENT with err = "no variable 'nmae'". */
int qun_template_render(const char *tpl, qun_template_lookup lookup, void *ud, char **out,
                        char *err, size_t errlen);

/* Calls cb for each variable the template uses, in order (for lints). */
int qun_template_names(const char *tpl, void (*cb)(void *ud, const char *name, size_t len), void *ud);

#endif
