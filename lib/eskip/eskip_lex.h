/* eskip_lex.h: the byte-oriented eskip lexer (spec eskip-and-http.md A2). Private to the
 * eskip library (eskip_parse.c); not part of the public API.
 *
 * The lexer scans one token per call. Decoded string and regexp values are allocated in the
 * arena given to eskip_lex_init (they become argument values without another copy); every
 * other token's text is a slice of the input. After a lexer error every further call returns
 * TOK_EOF, like skipper's lexer reporting end of input to the parser. */
#ifndef ROUTESRV_ESKIP_LEX_H
#define ROUTESRV_ESKIP_LEX_H
#include <stddef.h>

#include "base/arena.h"

typedef enum {
	TOK_EOF,
	TOK_COMMA,       /* , */
	TOK_OPENPAREN,   /* ( */
	TOK_CLOSEPAREN,  /* ) */
	TOK_COLON,       /* : */
	TOK_SEMICOLON,   /* ; */
	TOK_OPENARROW,   /* < (not starting one of the fixed backend tokens) */
	TOK_CLOSEARROW,  /* > */
	TOK_ANY,         /* * */
	TOK_AND,         /* && */
	TOK_ARROW,       /* -> */
	TOK_NUMBER,
	TOK_STRING,      /* "..." or `...` */
	TOK_REGEXP,      /* /.../ */
	TOK_SYMBOL,
	TOK_SHUNT,       /* <shunt> */
	TOK_LOOPBACK,    /* <loopback> */
	TOK_DYNAMIC,     /* <dynamic> */
	TOK_FORWARD,     /* <forward> */
} tok_kind;

typedef struct {
	const char *begin, *p, *end;  /* input; p = first unconsumed byte */
	arena *a;                     /* decoded string/regexp values live here */
	tok_kind kind;                /* the token just scanned */
	str text;                     /* its text (string/regexp: decoded value, NUL-terminated) */
	double num;                   /* its value for TOK_NUMBER */
	const char *err;              /* lexer error message, NULL while none */
	str last;                     /* text of the last successfully scanned token */
} eskip_lexer;

void eskip_lex_init(eskip_lexer *l, arena *a, const char *text, size_t len);
tok_kind eskip_lex_next(eskip_lexer *l);
/* Byte offset of the unconsumed input: skipper's "position" in error messages. */
static inline long eskip_lex_pos(const eskip_lexer *l) { return (long)(l->p - l->begin); }
#endif
