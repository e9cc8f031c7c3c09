#include "cyajl.h"

yajl_val cyajl_parse(const char *input, char *err, size_t errlen) {
    if (errlen > 0) err[0] = '\0';
    return yajl_tree_parse(input, err, errlen);
}
