/* hash_seed.c: one random seed per process (see hash_seed.h). */
#include "base/hash_seed.h"

#include <pthread.h>
#include <sys/random.h>
#include <time.h>

static uint64_t seed;
static pthread_once_t seed_once = PTHREAD_ONCE_INIT;

static void make_seed(void)
{
	if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) != (ssize_t)sizeof seed) {
		struct timespec ts;   /* no entropy yet (early boot): the clock still varies */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		seed = (uint64_t)ts.tv_nsec * 0x9E3779B97F4A7C15u ^ (uint64_t)ts.tv_sec;
	}
}

uint64_t hash_seed(void)
{
	pthread_once(&seed_once, make_seed);
	return seed;
}
