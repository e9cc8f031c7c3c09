#ifndef CYAJL_H
#define CYAJL_H
#include <yajl/yajl_tree.h>
#endif
