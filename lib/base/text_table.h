/* text_table.h: rows of cells printed in aligned columns, for terminals (two spaces between
 * columns, the last column not padded, no trailing blanks).
 *
 * Ownership: the table owns its cells (text_table_free). */
#ifndef ROUTESRV_TEXT_TABLE_H
#define ROUTESRV_TEXT_TABLE_H
#include <stddef.h>

#include "base/buf.h"

typedef struct {
	size_t ncols;
	buf *cells;                  /* row after row, ncols each */
	size_t nrows, cap;
} text_table;

void text_table_init(text_table *t, size_t ncols);
/* Appends a row of empty cells and returns them (valid until the next row is added). */
buf *text_table_row(text_table *t);
/* Appends s to a cell with bytes that would break a row or a terminal (control bytes) as
 * '?': for text that came from elsewhere (a client's header, a zone name). */
void text_table_put_printable(buf *cell, const char *s);
/* Appends the rows to out, each line starting with indent. */
void text_table_print(const text_table *t, buf *out, const char *indent);
void text_table_free(text_table *t);
#endif
