/*
 * json.h -- a small, bounded JSON reader for the model file (private to
 * lib/model/).
 *
 * The model file is outside input (a user may load a model from anyone),
 * so it is read here, checked, and only then turned into trees; nothing
 * unchecked reaches XGBoost. The whole document becomes a flat array of
 * values; an array's or object's members are linked through `next`.
 * Strings stay in the caller's buffer (raw, escapes undecoded) until
 * json_str copies one out. Nesting is bounded (JSON_MAXDEPTH) and every
 * error names its byte offset.
 */
#ifndef P2PTRACE_MODEL_JSON_H
#define P2PTRACE_MODEL_JSON_H
#include <stddef.h>
#include <stdint.h>

#define JSON_MAXDEPTH 32

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jval {
	uint8_t type;
	int32_t kid;	     /* first member (J_ARR, J_OBJ), -1 none */
	int32_t next;	     /* next member of the parent, -1 last */
	int32_t n;	     /* members (J_ARR, J_OBJ) */
	uint32_t koff, klen; /* key of an object member (raw) */
	uint32_t soff, slen; /* J_STR (raw, without quotes) */
	double num;	     /* J_NUM, J_BOOL (0/1) */
};

struct jdoc {
	const char *buf;
	size_t len;
	struct jval *v; /* v[0] is the document's value */
	int32_t n, cap;
};

/* Parse buf[0..len). 0 ok; -1 with a reason ("at byte N: ...") in why;
 * -2 out of memory. json_free in every case. */
int json_parse(struct jdoc *d, const char *buf, size_t len, char *why,
	       size_t whylen);
void json_free(struct jdoc *d);
/* Member `key` of object o (first match), or NULL (also when o is not an
 * object). */
const struct jval *json_get(const struct jdoc *d, const struct jval *o,
			    const char *key);
/* Follow a path of keys from o; NULL when a step is missing. */
const struct jval *json_path(const struct jdoc *d, const struct jval *o,
			     const char *const *keys, int nkeys);
const struct jval *json_kid(const struct jdoc *d, const struct jval *v);
const struct jval *json_next(const struct jdoc *d, const struct jval *v);
/* The decoded string into out (NUL-terminated). 0 ok, -1 not a string,
 * too long, or an escape outside ASCII. */
int json_str(const struct jdoc *d, const struct jval *v, char *out, size_t cap);
/* A number, or a string holding one (XGBoost writes "num_class":"6").
 * 0 ok, -1 otherwise. */
int json_num(const struct jdoc *d, const struct jval *v, double *out);

#endif
