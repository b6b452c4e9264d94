/*
 * ere.c: a POSIX extended regex parsed into a tree, compiled to a Thompson
 * program and searched with two thread lists (see ere.h for why qcmp has
 * its own).  Every list is a sparse set over the program, so a thread is
 * added at most once per subject position whatever the pattern's loops.
 */
#include "config.h"

#include "ere.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "unicode.h"

/* A byte that is not UTF-8 reads as this plus its value: no character. */
#define ERE_RAW		0x110000u
#define ERE_NONE	(-1)

enum ere_node_kind {
	EN_CHAR, EN_ANY, EN_CLASS, EN_BOL, EN_EOL,
	EN_CAT,		/* children in order (none: the empty string) */
	EN_ALT,		/* children are the alternatives */
	EN_REP		/* its one child, min..max times (max -1: no bound) */
};

struct ere_node {
	enum ere_node_kind	 kind;
	uint32_t		 c;		/* EN_CHAR; EN_CLASS: its index */
	int			 min, max;	/* EN_REP */
	int			 child, next;	/* first child, next sibling */
};

/* One bracket expression: ranges and wctype classes, maybe negated. */
struct ere_class {
	int		 neg;
	int		 r0, nr;	/* ranges[r0 .. r0 + nr) */
	int		 t0, nt;	/* types[t0 .. t0 + nt) */
};

enum ere_op { EO_CHAR, EO_ANY, EO_CLASS, EO_BOL, EO_EOL, EO_SPLIT, EO_JMP,
	EO_MATCH };

struct ere_inst {
	enum ere_op	 op;
	uint32_t	 c;		/* EO_CHAR; EO_CLASS: class index */
	int		 x, y;		/* EO_SPLIT: both; EO_JMP: x */
};

struct ere {
	struct ere_inst		*prog;
	int			 n;
	struct ere_class	*cls;
	uint32_t		*ranges;	/* lo, hi pairs */
	wctype_t		*types;
	/* search state, sized once: two sparse sets and a work stack */
	int			*dense[2], *sparse[2], *stack;
};

/* Grows *p (of *cap elements of size sz) to hold need. */
static int
ere_grow(void *p, int *cap, int need, size_t sz)
{
	void	*np;
	int	 nc;

	if (need <= *cap)
		return (0);
	nc = *cap ? *cap * 2 : 16;
	while (nc < need)
		nc *= 2;
	if ((np = realloc(*(void **)p, (size_t)nc * sz)) == NULL)
		return (-1);
	*(void **)p = np;
	*cap = nc;
	return (0);
}

struct ere_parse {
	const char		*pat;
	size_t			 i, len;
	int			 depth;
	char			*why;
	size_t			 why_len;
	int			 failed;
	struct ere_node		*nodes;
	int			 nn, capn;
	struct ere_class	*cls;
	int			 ncls, capc;
	uint32_t		*ranges;
	int			 nrng, caprng;	/* in uint32_t */
	wctype_t		*types;
	int			 ntyp, captyp;
};

static int
ere_fail(struct ere_parse *p, size_t at, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (p->failed)
		return (ERE_NONE);
	p->failed = 1;
	n = snprintf(p->why, p->why_len, "at byte %zu: ", at + 1);
	if (n < 0 || (size_t)n >= p->why_len)
		return (ERE_NONE);
	va_start(ap, fmt);
	vsnprintf(p->why + n, p->why_len - (size_t)n, fmt, ap);
	va_end(ap);
	return (ERE_NONE);
}

static int
ere_node(struct ere_parse *p, enum ere_node_kind kind, uint32_t c)
{
	if (ere_grow(&p->nodes, &p->capn, p->nn + 1, sizeof *p->nodes) != 0)
		return (ere_fail(p, p->i, "out of memory"));
	p->nodes[p->nn] = (struct ere_node){ kind, c, 0, 0, ERE_NONE,
	    ERE_NONE };
	return (p->nn++);
}

/* Appends node n to the children of parent (tail kept in *tail). */
static void
ere_adopt(struct ere_parse *p, int parent, int *tail, int n)
{
	if (*tail == ERE_NONE)
		p->nodes[parent].child = n;
	else
		p->nodes[*tail].next = n;
	*tail = n;
}

/* The character at p->i, advancing past it. */
static uint32_t
ere_char(struct ere_parse *p)
{
	uint32_t	cp;
	size_t		k = unicode_decode(p->pat + p->i, p->len - p->i, &cp);

	if (k == 0) {
		cp = ERE_RAW + (unsigned char)p->pat[p->i];
		k = 1;
	}
	p->i += k;
	return (cp);
}

static int
ere_range(struct ere_parse *p, uint32_t lo, uint32_t hi)
{
	if (ere_grow(&p->ranges, &p->caprng, p->nrng + 2,
	    sizeof *p->ranges) != 0)
		return (ere_fail(p, p->i, "out of memory"));
	p->ranges[p->nrng++] = lo;
	p->ranges[p->nrng++] = hi;
	return (0);
}

/* One element of a bracket: a character, [=c=] or [.c.] (one character
 * each); *cp gets it.  [:class:] is handled by the caller. */
static int
ere_bracket_char(struct ere_parse *p, uint32_t *cp)
{
	size_t	at = p->i;

	if (p->pat[p->i] == '[' && (p->pat[p->i + 1] == '=' ||
	    p->pat[p->i + 1] == '.')) {
		char	kind = p->pat[p->i + 1];

		p->i += 2;
		if (p->i >= p->len)
			return (ere_fail(p, at, "unmatched '['"));
		*cp = ere_char(p);
		if (p->pat[p->i] != kind || p->pat[p->i + 1] != ']')
			return (ere_fail(p, at, "[%c%c] holds one character "
			    "here", kind, kind));
		p->i += 2;
		return (0);
	}
	*cp = ere_char(p);
	return (0);
}

/* A bracket expression at p->i (just past its '['). */
static int
ere_bracket(struct ere_parse *p, size_t at)
{
	struct ere_class	 c = { 0, 0, 0, 0, 0 };
	int			 first = 1;

	if (p->pat[p->i] == '^') {
		c.neg = 1;
		p->i++;
	}
	c.r0 = p->nrng / 2;
	c.t0 = p->ntyp;
	for (;;) {
		uint32_t	lo, hi;

		if (p->i >= p->len)
			return (ere_fail(p, at, "unmatched '['"));
		if (p->pat[p->i] == ']' && !first) {
			p->i++;
			break;
		}
		first = 0;
		if (p->pat[p->i] == '[' && p->pat[p->i + 1] == ':') {
			const char	*end = strstr(p->pat + p->i + 2, ":]");
			char		 name[16];
			size_t		 nl;
			wctype_t	 t;

			if (end == NULL)
				return (ere_fail(p, p->i, "unmatched '[:'"));
			nl = (size_t)(end - (p->pat + p->i + 2));
			if (nl >= sizeof name)
				nl = sizeof name - 1;
			memcpy(name, p->pat + p->i + 2, nl);
			name[nl] = '\0';
			if ((t = wctype(name)) == 0)
				return (ere_fail(p, p->i, "unknown class "
				    "[:%s:]", name));
			if (ere_grow(&p->types, &p->captyp, p->ntyp + 1,
			    sizeof *p->types) != 0)
				return (ere_fail(p, p->i, "out of memory"));
			p->types[p->ntyp++] = t;
			p->i = (size_t)(end - p->pat) + 2;
			continue;
		}
		if (ere_bracket_char(p, &lo) != 0)
			return (ERE_NONE);
		hi = lo;
		if (p->pat[p->i] == '-' && p->i + 1 < p->len &&
		    p->pat[p->i + 1] != ']') {
			size_t	rat = p->i;

			p->i++;
			if (ere_bracket_char(p, &hi) != 0)
				return (ERE_NONE);
			if (hi < lo)
				return (ere_fail(p, rat, "range out of order"));
		}
		if (ere_range(p, lo, hi) != 0)
			return (ERE_NONE);
	}
	c.nr = p->nrng / 2 - c.r0;
	c.nt = p->ntyp - c.t0;
	if (ere_grow(&p->cls, &p->capc, p->ncls + 1, sizeof *p->cls) != 0)
		return (ere_fail(p, at, "out of memory"));
	p->cls[p->ncls] = c;
	return (ere_node(p, EN_CLASS, (uint32_t)p->ncls++));
}

static int ere_alt(struct ere_parse *);

/* A count of an interval, at most ERE_DUP_MAX; -1 when there is none. */
static int
ere_count(struct ere_parse *p)
{
	long	v = -1;

	while (p->pat[p->i] >= '0' && p->pat[p->i] <= '9') {
		v = (v < 0 ? 0 : v * 10) + (p->pat[p->i] - '0');
		if (v > ERE_DUP_MAX)
			return (ere_fail(p, p->i, "a count above %d",
			    ERE_DUP_MAX), -2);
		p->i++;
	}
	return ((int)v);
}

/* The repetition operator at p->i: *min and *max (-1: unbounded). */
static int
ere_quant(struct ere_parse *p, int *min, int *max)
{
	size_t	at = p->i;

	switch (p->pat[p->i++]) {
	case '*':
		*min = 0, *max = -1;
		return (0);
	case '+':
		*min = 1, *max = -1;
		return (0);
	case '?':
		*min = 0, *max = 1;
		return (0);
	}
	if ((*min = ere_count(p)) < -1)
		return (-1);
	if (p->pat[p->i] == '}') {
		if (*min < 0)
			return (ere_fail(p, at, "'{' needs a count (\\{ is a "
			    "literal brace)"), -1);
		p->i++;
		*max = *min;
		return (0);
	}
	if (p->pat[p->i] != ',')
		return (ere_fail(p, at, "'{' starts no interval {n}, {n,}, "
		    "{,m} or {n,m} (\\{ is a literal brace)"), -1);
	p->i++;
	if ((*max = ere_count(p)) < -1)
		return (-1);
	if (p->pat[p->i] != '}')
		return (ere_fail(p, at, "unmatched '{'"), -1);
	p->i++;
	if (*min < 0)
		*min = 0;
	if (*max >= 0 && *max < *min)
		return (ere_fail(p, at, "interval {%d,%d} runs backwards",
		    *min, *max), -1);
	return (0);
}

/* One atom and the repetitions that follow it. */
static int
ere_piece(struct ere_parse *p)
{
	size_t		at = p->i;
	int		n, min, max, rep = 0;
	char		ch = p->pat[p->i];

	switch (ch) {
	case '(':
		if (++p->depth > ERE_MAX_DEPTH)
			return (ere_fail(p, at, "nested more than %d deep",
			    ERE_MAX_DEPTH));
		p->i++;
		if ((n = ere_alt(p)) == ERE_NONE)
			return (ERE_NONE);
		if (p->pat[p->i] != ')')
			return (ere_fail(p, at, "unmatched '('"));
		p->i++;
		p->depth--;
		break;
	case '[':
		p->i++;
		n = ere_bracket(p, at);
		break;
	case '.':
		p->i++;
		n = ere_node(p, EN_ANY, 0);
		break;
	case '^':
		p->i++;
		n = ere_node(p, EN_BOL, 0);
		break;
	case '$':
		p->i++;
		n = ere_node(p, EN_EOL, 0);
		break;
	case '*':
	case '+':
	case '?':
	case '{':
		return (ere_fail(p, at, "'%c' has nothing to repeat", ch));
	case '\\':
		p->i++;
		if (p->i >= p->len)
			return (ere_fail(p, at, "'\\' ends the pattern"));
		if (p->pat[p->i] >= '1' && p->pat[p->i] <= '9')
			return (ere_fail(p, at, "back-references (\\%c) are "
			    "not supported", p->pat[p->i]));
		if (isalnum((unsigned char)p->pat[p->i]) ||
		    strchr("<>`'", p->pat[p->i]) != NULL)
			return (ere_fail(p, at, "\\%c is a GNU or Perl "
			    "escape, not POSIX (a bracket such as [0-9] or "
			    "[[:space:]] may serve)", p->pat[p->i]));
		n = ere_node(p, EN_CHAR, ere_char(p));
		break;
	default:
		n = ere_node(p, EN_CHAR, ere_char(p));
		break;
	}
	while (n != ERE_NONE && p->i < p->len && strchr("*+?{",
	    p->pat[p->i]) != NULL) {
		int	r;

		if (++rep + p->depth > ERE_MAX_DEPTH)
			return (ere_fail(p, p->i, "nested more than %d deep",
			    ERE_MAX_DEPTH));
		if (ere_quant(p, &min, &max) != 0 ||
		    (r = ere_node(p, EN_REP, 0)) == ERE_NONE)
			return (ERE_NONE);
		p->nodes[r].min = min;
		p->nodes[r].max = max;
		p->nodes[r].child = n;
		n = r;
	}
	return (n);
}

/* A concatenation, up to '|', ')' or the end. */
static int
ere_cat(struct ere_parse *p)
{
	int	cat, tail = ERE_NONE, n;

	if ((cat = ere_node(p, EN_CAT, 0)) == ERE_NONE)
		return (ERE_NONE);
	while (p->i < p->len && p->pat[p->i] != '|' && p->pat[p->i] != ')') {
		if ((n = ere_piece(p)) == ERE_NONE)
			return (ERE_NONE);
		ere_adopt(p, cat, &tail, n);
	}
	return (cat);
}

static int
ere_alt(struct ere_parse *p)
{
	int	alt, tail = ERE_NONE, n;

	if ((alt = ere_node(p, EN_ALT, 0)) == ERE_NONE)
		return (ERE_NONE);
	for (;;) {
		if ((n = ere_cat(p)) == ERE_NONE)
			return (ERE_NONE);
		ere_adopt(p, alt, &tail, n);
		if (p->i >= p->len || p->pat[p->i] != '|')
			return (alt);
		p->i++;
	}
}

/* Code generation: emit appends, refusing to grow past ERE_MAX_PROG. */
struct ere_gen {
	struct ere_inst	*prog;
	int		 n;
	int		 over;
};

static int
ere_emit(struct ere_gen *g, enum ere_op op, uint32_t c)
{
	if (g->n >= ERE_MAX_PROG) {
		g->over = 1;
		return (ERE_MAX_PROG - 1);	/* a slot to scribble on */
	}
	g->prog[g->n] = (struct ere_inst){ op, c, ERE_NONE, ERE_NONE };
	return (g->n++);
}

/* Points a chain of jumps (linked through x, or y when in_y) at the next
 * instruction. */
static void
ere_patch(struct ere_gen *g, int last, int in_y)
{
	while (last != ERE_NONE && !g->over) {
		int	*f = in_y ? &g->prog[last].y : &g->prog[last].x;

		last = *f;
		*f = g->n;
	}
}

static void
ere_gen(struct ere_gen *g, const struct ere_node *nodes, int n)
{
	const struct ere_node	*e = &nodes[n];
	int			 k, split, jmp, last = ERE_NONE, loop;

	if (g->over)
		return;
	switch (e->kind) {
	case EN_CHAR:
		ere_emit(g, EO_CHAR, e->c);
		break;
	case EN_ANY:
		ere_emit(g, EO_ANY, 0);
		break;
	case EN_CLASS:
		ere_emit(g, EO_CLASS, e->c);
		break;
	case EN_BOL:
		ere_emit(g, EO_BOL, 0);
		break;
	case EN_EOL:
		ere_emit(g, EO_EOL, 0);
		break;
	case EN_CAT:
		for (k = e->child; k != ERE_NONE; k = nodes[k].next)
			ere_gen(g, nodes, k);
		break;
	case EN_ALT:
		/* split a, next; a; jmp end; ... the last alternative as is;
		 * the jumps to the end are chained through their x. */
		for (k = e->child; k != ERE_NONE; k = nodes[k].next) {
			if (nodes[k].next == ERE_NONE) {
				ere_gen(g, nodes, k);
				break;
			}
			split = ere_emit(g, EO_SPLIT, 0);
			g->prog[split].x = g->n;
			ere_gen(g, nodes, k);
			jmp = ere_emit(g, EO_JMP, 0);
			g->prog[jmp].x = last;
			last = jmp;
			g->prog[split].y = g->n;
		}
		ere_patch(g, last, 0);
		break;
	case EN_REP:
		for (k = 0; k < e->min; k++)
			ere_gen(g, nodes, e->child);
		if (e->max < 0) {
			/* loop: split body, out; body; jmp loop */
			loop = ere_emit(g, EO_SPLIT, 0);
			g->prog[loop].x = g->n;
			ere_gen(g, nodes, e->child);
			jmp = ere_emit(g, EO_JMP, 0);
			g->prog[jmp].x = loop;
			g->prog[loop].y = g->n;
			break;
		}
		/* each optional copy may skip to the end (the skips chained
		 * through their y until the end is known) */
		for (k = e->min; k < e->max && !g->over; k++) {
			split = ere_emit(g, EO_SPLIT, 0);
			g->prog[split].x = g->n;
			g->prog[split].y = last;
			last = split;
			ere_gen(g, nodes, e->child);
		}
		ere_patch(g, last, 1);
		break;
	}
}

static void
ere_parse_free(struct ere_parse *p)
{
	free(p->nodes);
	free(p->cls);
	free(p->ranges);
	free(p->types);
}

int
ere_compile(struct ere **out, const char *pat, char *why, size_t why_len)
{
	struct ere_parse	 p;
	struct ere_gen		 g = { NULL, 0, 0 };
	struct ere		*re;
	int			 root;

	*out = NULL;
	memset(&p, 0, sizeof p);
	p.pat = pat;
	p.len = strlen(pat);
	p.why = why;
	p.why_len = why_len;
	if (p.len > ERE_MAX_BYTES)
		return (snprintf(why, why_len, "longer than %d bytes",
		    ERE_MAX_BYTES), -1);
	root = ere_alt(&p);
	if (root != ERE_NONE && p.i < p.len)	/* stopped at a ')' */
		root = ere_fail(&p, p.i, "unmatched ')'");
	if (root == ERE_NONE) {
		ere_parse_free(&p);
		return (-1);
	}
	if ((re = calloc(1, sizeof *re)) == NULL ||
	    (g.prog = malloc(ERE_MAX_PROG * sizeof *g.prog)) == NULL) {
		free(re);
		ere_parse_free(&p);
		return (snprintf(why, why_len, "out of memory"), -1);
	}
	ere_gen(&g, p.nodes, root);
	ere_emit(&g, EO_MATCH, 0);
	if (g.over) {
		free(g.prog);
		free(re);
		ere_parse_free(&p);
		return (snprintf(why, why_len, "too complex: it compiles to "
		    "more than %d instructions once its repetitions are "
		    "copied out", ERE_MAX_PROG), -1);
	}
	re->prog = g.prog;
	re->n = g.n;
	re->cls = p.cls;
	re->ranges = p.ranges;
	re->types = p.types;
	free(p.nodes);
	for (int i = 0; i < 2; i++) {
		re->dense[i] = calloc((size_t)re->n, sizeof(int));
		re->sparse[i] = calloc((size_t)re->n, sizeof(int));
	}
	/* each thread added pushes at most two: 2n + 1 in all */
	re->stack = malloc(((size_t)re->n * 2 + 2) * sizeof(int));
	if (!re->dense[0] || !re->dense[1] || !re->sparse[0] ||
	    !re->sparse[1] || !re->stack) {
		ere_free(re);
		return (snprintf(why, why_len, "out of memory"), -1);
	}
	*out = re;
	return (0);
}

void
ere_free(struct ere *re)
{
	if (re == NULL)
		return;
	free(re->prog);
	free(re->cls);
	free(re->ranges);
	free(re->types);
	for (int i = 0; i < 2; i++) {
		free(re->dense[i]);
		free(re->sparse[i]);
	}
	free(re->stack);
	free(re);
}

int
ere_size(const struct ere *re)
{
	return (re->n);
}

static int
ere_class_has(const struct ere *re, const struct ere_class *c, uint32_t cp)
{
	int	in = 0;

	for (int i = 0; i < c->nr && !in; i++)
		in = cp >= re->ranges[2 * (c->r0 + i)] &&
		    cp <= re->ranges[2 * (c->r0 + i) + 1];
	for (int i = 0; i < c->nt && !in && cp < ERE_RAW; i++)
		in = iswctype((wint_t)cp, re->types[c->t0 + i]) != 0;
	return (in != c->neg);
}

/* A list of threads (program counters) with no repeats. */
struct ere_list {
	int	*dense, *sparse, n;
};

static int
ere_in(const struct ere_list *l, int pc)
{
	int	k = l->sparse[pc];

	return (k >= 0 && k < l->n && l->dense[k] == pc);
}

/* Adds pc and everything it reaches without reading a character; 1 when
 * that reaches the match. */
static int
ere_add(const struct ere *re, struct ere_list *l, int pc, int bol, int eol)
{
	int	*st = re->stack, sp = 0;

	st[sp++] = pc;
	while (sp > 0) {
		const struct ere_inst *in;

		pc = st[--sp];
		if (ere_in(l, pc))
			continue;
		l->sparse[pc] = l->n;
		l->dense[l->n++] = pc;
		in = &re->prog[pc];
		switch (in->op) {
		case EO_MATCH:
			return (1);
		case EO_JMP:
			st[sp++] = in->x;
			break;
		case EO_SPLIT:
			st[sp++] = in->y;
			st[sp++] = in->x;
			break;
		case EO_BOL:
			if (bol)
				st[sp++] = pc + 1;
			break;
		case EO_EOL:
			if (eol)
				st[sp++] = pc + 1;
			break;
		default:
			break;
		}
	}
	return (0);
}

int
ere_search(const struct ere *re, const char *s, size_t n)
{
	struct ere_list	 cur = { re->dense[0], re->sparse[0], 0 };
	struct ere_list	 nxt = { re->dense[1], re->sparse[1], 0 };
	size_t		 i = 0;

	/* Every position starts a thread: the search is unanchored. */
	if (ere_add(re, &cur, 0, 1, n == 0))
		return (1);
	while (i < n) {
		uint32_t	cp;
		size_t		k = unicode_decode(s + i, n - i, &cp);
		struct ere_list	t;

		if (k == 0) {
			cp = ERE_RAW + (unsigned char)s[i];
			k = 1;
		}
		i += k;
		nxt.n = 0;
		for (int j = 0; j < cur.n; j++) {
			const struct ere_inst	*in = &re->prog[cur.dense[j]];
			int			 ok;

			switch (in->op) {
			case EO_CHAR:
				ok = in->c == cp;
				break;
			case EO_ANY:
				ok = 1;
				break;
			case EO_CLASS:
				ok = ere_class_has(re, &re->cls[in->c], cp);
				break;
			default:
				ok = 0;
				break;
			}
			if (ok && ere_add(re, &nxt, cur.dense[j] + 1, 0,
			    i == n))
				return (1);
		}
		if (ere_add(re, &nxt, 0, 0, i == n))
			return (1);
		t = cur;
		cur = nxt;
		nxt = t;
	}
	return (0);
}
