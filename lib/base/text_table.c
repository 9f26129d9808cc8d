/* text_table.c: aligned columns (see text_table.h). */
#include "base/text_table.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

void text_table_init(text_table *t, size_t ncols)
{
	memset(t, 0, sizeof *t);
	t->ncols = ncols;
}

buf *text_table_row(text_table *t)
{
	if (t->nrows == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 8;
		t->cells = xrealloc(t->cells, t->cap * t->ncols * sizeof *t->cells);
	}
	buf *row = &t->cells[t->nrows++ * t->ncols];
	for (size_t k = 0; k < t->ncols; k++) row[k] = (buf)BUF_INIT;
	return row;
}

void text_table_put_printable(buf *cell, const char *s)
{
	for (; *s; s++) buf_putc(cell, (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

void text_table_print(const text_table *t, buf *out, const char *indent)
{
	size_t *width = xmalloc((t->ncols ? t->ncols : 1) * sizeof *width);
	memset(width, 0, (t->ncols ? t->ncols : 1) * sizeof *width);
	for (size_t r = 0; r < t->nrows; r++)
		for (size_t k = 0; k < t->ncols; k++)
			if (t->cells[r * t->ncols + k].len > width[k]) width[k] = t->cells[r * t->ncols + k].len;
	for (size_t r = 0; r < t->nrows; r++) {
		const buf *row = &t->cells[r * t->ncols];
		size_t last = t->ncols;
		while (last > 0 && row[last - 1].len == 0) last--;   /* no trailing blanks */
		buf_puts(out, indent);
		for (size_t k = 0; k < last; k++) {
			buf_append(out, row[k].ptr ? row[k].ptr : "", row[k].len);
			if (k + 1 < last)
				for (size_t pad = row[k].len; pad < width[k] + 2; pad++) buf_putc(out, ' ');
		}
		buf_putc(out, '\n');
	}
	free(width);
}

void text_table_free(text_table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++) buf_free(&t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof *t);
}
