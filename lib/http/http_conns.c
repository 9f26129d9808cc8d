/* http_conns.c: connection registry and read-header deadline (see http_conns.h). */
#include "http/http_conns.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "base/log.h"

struct http_conns {
	pthread_mutex_t mu;             /* guards the list and stop */
	pthread_cond_t wake;
	http_conn head;                 /* sentinel of a circular list */
	long timeout_ms;
	bool stop;
	pthread_t sweeper;
	bool has_sweeper;
};

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Shuts down every connection that waited too long; under the mutex, so none of them can
 * have been closed (and its descriptor reused) meanwhile. */
static void sweep(http_conns *c)
{
	long long now = now_ms();
	size_t ended = 0;
	for (http_conn *k = c->head.next; k != &c->head; k = k->next) {
		if (!atomic_load(&k->waiting) || now - atomic_load(&k->since_ms) <= c->timeout_ms || k->fd < 0)
			continue;
		shutdown(k->fd, SHUT_RDWR);
		k->fd = -1;   /* once is enough: libmicrohttpd closes it soon */
		ended++;
	}
	if (ended)
		log_printf(LOG_DEBUG, "closed %zu connections that sent no complete request header in time", ended);
}

static void *sweeper_main(void *arg)
{
	http_conns *c = arg;
	/* Checking four times per deadline keeps a connection at most 25 % past it. */
	long period = c->timeout_ms / 4 < 1000 ? (c->timeout_ms / 4 > 10 ? c->timeout_ms / 4 : 10) : 1000;
	pthread_mutex_lock(&c->mu);
	while (!c->stop) {
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += period / 1000;
		until.tv_nsec += period % 1000 * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		int rc = 0;
		while (!c->stop && rc != ETIMEDOUT)
			rc = pthread_cond_timedwait(&c->wake, &c->mu, &until);
		if (!c->stop)
			sweep(c);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

http_conns *http_conns_start(long timeout_ms)
{
	http_conns *c = calloc(1, sizeof *c);
	if (!c)
		abort();
	pthread_mutex_init(&c->mu, NULL);
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&c->wake, &attr);
	pthread_condattr_destroy(&attr);
	c->head.next = c->head.prev = &c->head;
	c->timeout_ms = timeout_ms;
	if (timeout_ms > 0)
		c->has_sweeper = pthread_create(&c->sweeper, NULL, sweeper_main, c) == 0;
	return c;
}

void http_conns_stop(http_conns *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	c->stop = true;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->mu);
	if (c->has_sweeper)
		pthread_join(c->sweeper, NULL);
	while (c->head.next != &c->head)   /* none normally: the daemon closed them all */
		http_conns_remove(c, c->head.next);
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

http_conn *http_conns_add(http_conns *c, int fd)
{
	http_conn *k = calloc(1, sizeof *k);
	if (!k)
		abort();
	k->fd = fd;
	atomic_init(&k->waiting, true);
	atomic_init(&k->since_ms, now_ms());
	pthread_mutex_lock(&c->mu);
	k->next = c->head.next;
	k->prev = &c->head;
	c->head.next->prev = k;
	c->head.next = k;
	pthread_mutex_unlock(&c->mu);
	return k;
}

void http_conns_remove(http_conns *c, http_conn *k)
{
	if (!k)
		return;
	pthread_mutex_lock(&c->mu);
	k->prev->next = k->next;
	k->next->prev = k->prev;
	pthread_mutex_unlock(&c->mu);
	free(k);
}

void http_conn_request_started(http_conn *k)
{
	if (k)
		atomic_store(&k->waiting, false);
}

void http_conn_request_done(http_conn *k)
{
	if (!k)
		return;
	atomic_store(&k->since_ms, now_ms());
	atomic_store(&k->waiting, true);
}
