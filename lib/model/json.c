/*
 * json.c -- the bounded JSON reader of the model file (see json.h).
 *
 * Recursive descent over RFC 8259's grammar, depth-limited; values go into
 * one growing array (indexes, not pointers, so growing never dangles).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"

struct parser {
	struct jdoc *d;
	size_t p;
	char *why;
	size_t whylen;
	int nomem;
};

static int bad(struct parser *s, const char *what)
{
	snprintf(s->why, s->whylen, "at byte %zu: %s", s->p, what);
	return -1;
}

static void ws(struct parser *s)
{
	const char *b = s->d->buf;

	while (s->p < s->d->len && (b[s->p] == ' ' || b[s->p] == '\t' ||
				    b[s->p] == '\n' || b[s->p] == '\r'))
		s->p++;
}

static int32_t new_val(struct parser *s, uint8_t type)
{
	struct jdoc *d = s->d;

	if (d->n == d->cap) {
		int32_t nc = d->cap ? d->cap * 2 : 1024;
		struct jval *nv;
		if (d->cap > (1 << 26)) {
			s->nomem = 1;
			return -1;
		}
		nv = realloc(d->v, (size_t)nc * sizeof(*nv));
		if (!nv) {
			s->nomem = 1;
			return -1;
		}
		d->v = nv;
		d->cap = nc;
	}
	memset(&d->v[d->n], 0, sizeof(d->v[0]));
	d->v[d->n].type = type;
	d->v[d->n].kid = d->v[d->n].next = -1;
	return d->n++;
}

static int hex4(const char *b)
{
	for (int i = 0; i < 4; i++)
		if (!((b[i] >= '0' && b[i] <= '9') ||
		      (b[i] >= 'a' && b[i] <= 'f') ||
		      (b[i] >= 'A' && b[i] <= 'F')))
			return 0;
	return 1;
}

/* A string at s->p (the opening quote): its raw extent. */
static int scan_str(struct parser *s, uint32_t *off, uint32_t *len)
{
	const char *b = s->d->buf;
	size_t q = s->p + 1;

	while (q < s->d->len && b[q] != '"') {
		unsigned char c = (unsigned char)b[q];
		if (c < 0x20)
			return bad(s, "control character in a string");
		if (c == '\\') {
			if (q + 1 >= s->d->len)
				break;
			if (b[q + 1] == 'u') {
				if (q + 6 > s->d->len || !hex4(b + q + 2))
					return bad(s, "bad \\u escape");
				q += 6;
				continue;
			}
			if (!b[q + 1] || !strchr("\"\\/bfnrt", b[q + 1]))
				return bad(s, "bad escape in a string");
			q += 2;
			continue;
		}
		q++;
	}
	if (q >= s->d->len)
		return bad(s, "string not closed");
	if (q - s->p - 1 > UINT32_MAX / 2)
		return bad(s, "string too long");
	*off = (uint32_t)(s->p + 1);
	*len = (uint32_t)(q - s->p - 1);
	s->p = q + 1;
	return 0;
}

static int scan_num(struct parser *s, double *out)
{
	const char *b = s->d->buf;
	size_t q = s->p, n;
	char tmp[64], *e;

	if (q < s->d->len && b[q] == '-')
		q++;
	if (q >= s->d->len || b[q] < '0' || b[q] > '9')
		return bad(s, "not a value");
	while (q < s->d->len &&
	       ((b[q] >= '0' && b[q] <= '9') || b[q] == '.' || b[q] == 'e' ||
		b[q] == 'E' || b[q] == '+' || b[q] == '-'))
		q++;
	n = q - s->p;
	if (n >= sizeof(tmp))
		return bad(s, "number too long");
	memcpy(tmp, b + s->p, n);
	tmp[n] = 0;
	*out = strtod(tmp, &e);
	if (*e)
		return bad(s, "bad number");
	s->p = q;
	return 0;
}

static int value(struct parser *s, int32_t *out, int depth);

/* Members of an array (close ']') or object (close '}'). */
static int members(struct parser *s, int32_t self, int obj, int depth)
{
	const char *b = s->d->buf;
	char close = obj ? '}' : ']';
	int32_t last = -1;

	s->p++;
	ws(s);
	if (s->p < s->d->len && b[s->p] == close) {
		s->p++;
		return 0;
	}
	for (;;) {
		uint32_t ko = 0, kl = 0;
		int32_t k;
		ws(s);
		if (obj) {
			if (s->p >= s->d->len || b[s->p] != '"')
				return bad(s, "expected a key");
			if (scan_str(s, &ko, &kl))
				return -1;
			ws(s);
			if (s->p >= s->d->len || b[s->p] != ':')
				return bad(s, "expected ':'");
			s->p++;
		}
		if (value(s, &k, depth + 1))
			return -1;
		s->d->v[k].koff = ko;
		s->d->v[k].klen = kl;
		if (last < 0)
			s->d->v[self].kid = k;
		else
			s->d->v[last].next = k;
		last = k;
		s->d->v[self].n++;
		ws(s);
		if (s->p < s->d->len && b[s->p] == ',') {
			s->p++;
			continue;
		}
		if (s->p < s->d->len && b[s->p] == close) {
			s->p++;
			return 0;
		}
		return bad(s,
			   obj ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static int word(struct parser *s, const char *w)
{
	size_t n = strlen(w);

	if (s->d->len - s->p < n || memcmp(s->d->buf + s->p, w, n))
		return bad(s, "not a value");
	s->p += n;
	return 0;
}

static int value(struct parser *s, int32_t *out, int depth)
{
	const char *b = s->d->buf;
	int32_t v;
	char c;

	if (depth > JSON_MAXDEPTH)
		return bad(s, "nested too deeply");
	ws(s);
	if (s->p >= s->d->len)
		return bad(s, "ends where a value should be");
	c = b[s->p];
	v = new_val(s, c == '{'		      ? J_OBJ
		       : c == '['	      ? J_ARR
		       : c == '"'	      ? J_STR
		       : c == 't' || c == 'f' ? J_BOOL
		       : c == 'n'	      ? J_NULL
					      : J_NUM);
	if (v < 0)
		return -1;
	*out = v;
	switch (c) {
	case '{':
	case '[':
		return members(s, v, c == '{', depth);
	case '"': {
		uint32_t o, l;
		if (scan_str(s, &o, &l))
			return -1;
		s->d->v[v].soff = o;
		s->d->v[v].slen = l;
		return 0;
	}
	case 't':
		s->d->v[v].num = 1;
		return word(s, "true");
	case 'f':
		return word(s, "false");
	case 'n':
		return word(s, "null");
	default:
		return scan_num(s, &s->d->v[v].num);
	}
}

int json_parse(struct jdoc *d, const char *buf, size_t len, char *why,
	       size_t whylen)
{
	struct parser s;
	int32_t root;

	memset(d, 0, sizeof(*d));
	memset(&s, 0, sizeof(s));
	d->buf = buf;
	d->len = len;
	s.d = d;
	s.why = why;
	s.whylen = whylen;
	if (value(&s, &root, 0))
		return s.nomem ? -2 : -1;
	ws(&s);
	if (s.p != len)
		return bad(&s, "text after the document");
	return 0;
}

void json_free(struct jdoc *d)
{
	free(d->v);
	d->v = NULL;
	d->n = d->cap = 0;
}

const struct jval *json_kid(const struct jdoc *d, const struct jval *v)
{
	return v && v->kid >= 0 ? &d->v[v->kid] : NULL;
}

const struct jval *json_next(const struct jdoc *d, const struct jval *v)
{
	return v && v->next >= 0 ? &d->v[v->next] : NULL;
}

const struct jval *json_get(const struct jdoc *d, const struct jval *o,
			    const char *key)
{
	size_t n = strlen(key);

	if (!o || o->type != J_OBJ)
		return NULL;
	for (const struct jval *k = json_kid(d, o); k; k = json_next(d, k))
		if (k->klen == n && !memcmp(d->buf + k->koff, key, n))
			return k;
	return NULL;
}

const struct jval *json_path(const struct jdoc *d, const struct jval *o,
			     const char *const *keys, int nkeys)
{
	for (int i = 0; i < nkeys && o; i++)
		o = json_get(d, o, keys[i]);
	return o;
}

int json_str(const struct jdoc *d, const struct jval *v, char *out, size_t cap)
{
	const char *b;
	size_t o = 0;

	if (!v || v->type != J_STR || !cap)
		return -1;
	b = d->buf + v->soff;
	for (uint32_t i = 0; i < v->slen; i++) {
		char c = b[i];
		if (c == '\\') {
			char e = b[++i];
			static const char from[] = "\"\\/bfnrt";
			static const char to[] = "\"\\/\b\f\n\r\t";
			if (e == 'u') {
				unsigned u = (unsigned)strtoul(
					(char[]){ b[i + 1], b[i + 2], b[i + 3],
						  b[i + 4], 0 },
					NULL, 16);
				if (u == 0 || u > 0x7f)
					return -1;
				c = (char)u;
				i += 4;
			} else {
				c = to[strchr(from, e) - from];
			}
		}
		if (o + 1 >= cap)
			return -1;
		out[o++] = c;
	}
	out[o] = 0;
	return 0;
}

int json_num(const struct jdoc *d, const struct jval *v, double *out)
{
	char tmp[64], *e;

	if (!v)
		return -1;
	if (v->type == J_NUM) {
		*out = v->num;
		return 0;
	}
	if (v->type != J_STR || json_str(d, v, tmp, sizeof(tmp)) || !tmp[0])
		return -1;
	*out = strtod(tmp, &e);
	return *e ? -1 : 0;
}
