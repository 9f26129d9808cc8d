/* hmap (base/hmap.h): random puts and deletes agree with a plain array at every step, and
 * lookups stay right after heavy churn (backward-shift deletion leaves no holes). */
#include <stdio.h>
#include <stdlib.h>

#include "base/hmap.h"
#include "test.h"

#define KEYS 500

static str key_of(int k, char *tmp)
{
	snprintf(tmp, 32, "key-%d", k);
	return str_c(tmp);
}

TEST(random_operations_agree_with_an_array)
{
	hmap m = HMAP_INIT;
	void *want[KEYS] = { 0 };
	size_t live = 0;
	unsigned seed = 12345;
	char tmp[32];
	for (int step = 0; step < 200000; step++) {
		int k = (int)(rand_r(&seed) % KEYS);
		void *v = (void *)(size_t)(step + 1);
		if (rand_r(&seed) % 3) {
			void *old = hmap_put(&m, key_of(k, tmp), v);
			CHECK(old == want[k]);
			if (!want[k])
				live++;
			want[k] = v;
		} else {
			void *old = hmap_del(&m, key_of(k, tmp));
			CHECK(old == want[k]);
			if (want[k])
				live--;
			want[k] = NULL;
		}
		if (step % 997 == 0)
			for (int j = 0; j < KEYS; j++)
				CHECK(hmap_get(&m, key_of(j, tmp)) == want[j]);
	}
	CHECK_INT(m.n, live);
	size_t seen = 0;
	for (size_t i = 0; i < m.nslots; i++)
		if (m.slots[i].key) {
			seen++;
			CHECK(want[atoi(m.slots[i].key + 4)] == m.slots[i].value);
		}
	CHECK_INT(seen, live);
	hmap_free(&m);
}

TEST(keys_are_bytes_with_nuls_and_the_empty_key)
{
	hmap m = HMAP_INIT;
	str a = { "a\0b", 3 }, b = { "a\0c", 3 }, empty = { "", 0 };
	CHECK(hmap_put(&m, a, &m) == NULL);
	CHECK(hmap_put(&m, empty, &a) == NULL);
	CHECK(hmap_get(&m, b) == NULL);
	CHECK(hmap_get(&m, a) == &m);
	CHECK(hmap_get(&m, empty) == &a);
	CHECK(hmap_del(&m, a) == &m);
	CHECK(hmap_get(&m, a) == NULL);
	CHECK_INT(m.n, 1);
	hmap_free(&m);
	CHECK(hmap_get(&m, empty) == NULL);
}

int main(void)
{
	RUN(random_operations_agree_with_an_array);
	RUN(keys_are_bytes_with_nuls_and_the_empty_key);
	return TEST_SUMMARY();
}
