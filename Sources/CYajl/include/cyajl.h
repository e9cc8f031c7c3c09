#ifndef CYAJL_H
#define CYAJL_H
// Thin accessors over libyajl's yajl_tree (linked statically as libyajl_s.a).
// yajl's YAJL_IS_* / YAJL_GET_* are function-like macros Swift cannot import; these inline
// functions replace them. Swift (OCISpec/JSONParse.swift) walks the tree once and frees it.
#include <stddef.h>
#include <yajl/yajl_tree.h>

/// Parses a NUL-terminated JSON document. On failure returns NULL and writes yajl's message
/// (possibly multi-line) into err.
yajl_val cyajl_parse(const char *input, char *err, size_t errlen);

static inline void cyajl_free(yajl_val v) { if (v) yajl_tree_free(v); }
static inline int cyajl_type(yajl_val v) { return v ? (int)v->type : 0; }
static inline const char *cyajl_string(yajl_val v) { return v->u.string; }
/// The number exactly as written in the document (yajl keeps it).
static inline const char *cyajl_number_text(yajl_val v) { return v->u.number.r; }
static inline unsigned int cyajl_number_flags(yajl_val v) { return v->u.number.flags; }
static inline long long cyajl_number_int(yajl_val v) { return v->u.number.i; }
static inline double cyajl_number_double(yajl_val v) { return v->u.number.d; }
static inline size_t cyajl_array_len(yajl_val v) { return v->u.array.len; }
static inline yajl_val cyajl_array_at(yajl_val v, size_t i) { return v->u.array.values[i]; }
static inline size_t cyajl_object_len(yajl_val v) { return v->u.object.len; }
static inline const char *cyajl_object_key(yajl_val v, size_t i) { return v->u.object.keys[i]; }
static inline yajl_val cyajl_object_value(yajl_val v, size_t i) { return v->u.object.values[i]; }

#endif
