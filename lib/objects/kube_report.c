/* kube_report.c: the one path for problems about objects (see kube_report.h). */
#include "base/xalloc.h"
#include "objects/kube_report.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kube_reporter_init(kube_reporter *rep, bool collect)
{
	*rep = (kube_reporter){ .collect = collect, .arena = arena_new() };
}

void kube_reporter_free(kube_reporter *rep)
{
	arena_free(rep->arena);
	*rep = (kube_reporter){ 0 };
}

static const char *const count_names[KUBE_NCOUNTS] = { "Ingress", "RouteGroup", "Service", "Endpoints",
							 "EndpointSlice" };

kube_count_kind kube_count_kind_of(const char *kind)
{
	for (int i = 0; i < KUBE_NCOUNTS; i++)
		if (kind && strcmp(kind, count_names[i]) == 0)
			return (kube_count_kind)i;
	return KUBE_NCOUNTS;
}

const char *kube_count_kind_name(kube_count_kind k)
{
	return k < KUBE_NCOUNTS ? count_names[k] : "";
}

void kube_report_skipped(kube_reporter *rep, const char *kind)
{
	kube_count_kind k = kube_count_kind_of(kind);
	if (rep && k < KUBE_NCOUNTS)
		rep->skipped[k]++;
}

static void record(kube_reporter *rep, kube_problem_severity sev, const char *kind, const kube_meta *m, str ns,
		   const char *path, const char *msg)
{
	kube_problem *p = arena_array_push(rep->arena, (void **)&rep->problems, &rep->nproblems, sizeof *p);
	*p = (kube_problem){
		.severity = sev,
		.file = m && m->source ? arena_strdup(rep->arena, m->source).ptr : "",
		.line = m ? m->line : 0,
		.kind = arena_strdup(rep->arena, kind).ptr,
		.ns = arena_strndup(rep->arena, ns.ptr ? ns.ptr : "", ns.len),
		.name = m ? arena_strndup(rep->arena, m->name.ptr ? m->name.ptr : "", m->name.len) : str_c(""),
		.message = arena_strdup(rep->arena, msg),
		.path = arena_strdup(rep->arena, path),
		.order = rep->nproblems - 1,
	};
}

void kube_reporter_merge(kube_reporter *into, const kube_reporter *from)
{
	for (int k = 0; k < KUBE_NCOUNTS; k++)
		into->skipped[k] += from->skipped[k];
	into->class_skipped += from->class_skipped;
	for (size_t i = 0; i < from->nproblems; i++) {
		const kube_problem *p = &from->problems[i];
		kube_meta m = { .name = p->name, .source = *p->file ? p->file : NULL, .line = p->line };
		record(into, p->severity, p->kind, &m, p->ns, p->path.ptr, p->message.ptr);
	}
}

static void log_line(log_level level, const char *kind, const kube_meta *m, str ns, const char *msg)
{
	if (!log_enabled(level))
		return;
	char *ns_c = strndup(ns.ptr ? ns.ptr : "", ns.len);
	char *name_c = m ? strndup(m->name.ptr ? m->name.ptr : "", m->name.len) : strdup("");
	if (!ns_c || !name_c)
		abort();
	const char *source = m && m->source ? m->source : NULL;
	log_kv(level, msg, "kind", kind, "name", name_c, "ns", ns_c, source ? "source" : NULL, source, NULL);
	free(ns_c);
	free(name_c);
}

void kube_report(kube_reporter *rep, log_level level, kube_report_class cls, const char *kind, const kube_meta *m,
		 str ns, const char *path, const char *msg)
{
	if (!rep || !rep->collect) {
		if (cls != KUBE_LINT)
			log_line(level, kind, m, ns, msg);
		return;
	}
	switch (cls) {
	case KUBE_DROP:
		record(rep, KUBE_PROBLEM_ERROR, kind, m, ns, path, msg);
		break;
	case KUBE_MISSING_REF:
		if (rep->services_given)
			record(rep, KUBE_PROBLEM_WARNING, kind, m, ns, path, msg);
		break;
	case KUBE_LINT:
		record(rep, KUBE_PROBLEM_WARNING, kind, m, ns, path, msg);
		break;
	case KUBE_NOTE:
		break;
	}
}

void kube_reportf(kube_reporter *rep, log_level level, kube_report_class cls, const char *kind, const kube_meta *m,
		  str ns, const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	kube_report(rep, level, cls, kind, m, ns, path, msg);
	free(msg);
}

size_t kube_reporter_origin(kube_reporter *rep, const char *kind, const kube_meta *m)
{
	struct kube_origin *o = arena_array_push(rep->arena, (void **)&rep->origins, &rep->norigins, sizeof *o);
	o->kind = kind;
	o->meta.present = m->present;
	o->meta.ns = arena_strndup(rep->arena, m->ns.ptr ? m->ns.ptr : "", m->ns.len);
	o->meta.name = arena_strndup(rep->arena, m->name.ptr ? m->name.ptr : "", m->name.len);
	/* Objects come file by file: one copy of each file name, not one per object. */
	const struct kube_origin *last = rep->norigins > 1 ? &rep->origins[rep->norigins - 2] : NULL;
	if (m->source && last && last->meta.source && strcmp(last->meta.source, m->source) == 0)
		o->meta.source = last->meta.source;
	else
		o->meta.source = m->source ? arena_strdup(rep->arena, m->source).ptr : NULL;
	o->meta.line = m->line;
	return rep->norigins;
}

const struct kube_origin *kube_reporter_origin_get(const kube_reporter *rep, size_t origin)
{
	return rep && origin && origin <= rep->norigins ? &rep->origins[origin - 1] : NULL;
}

static int by_place(const void *x, const void *y)
{
	const kube_problem *a = x, *b = y;
	int c = strcmp(a->file, b->file);
	if (c)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

void kube_problems_sort(kube_reporter *rep)
{
	if (rep->nproblems > 1)
		qsort(rep->problems, rep->nproblems, sizeof *rep->problems, by_place);
}
