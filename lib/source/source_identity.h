/* source_identity.h: a fingerprint of everything a poll cycle reads, so that a cycle whose
 * inputs are those of the last good cycle can stop before parsing them (routesrv-serve).
 *
 * What goes in: byte buffers (the API's list bodies, exact) and file trees by identity:
 * a path and, below a directory, its entries (sorted by name, symlinks followed) with
 * their name, device, inode, size, mode, mtime and ctime. The ctime moves with every write
 * and cannot be set back, so a file rewritten with its old size and mtime still changes the
 * fingerprint; a ConfigMap volume's "..data" symlink swap changes the inode every visible
 * file resolves to. Entries that cannot be stat'ed go in as missing (the read reports them).
 * SOURCE_TREE_MANIFESTS counts below the top path what kube_read_path reads (directories,
 * source_manifest_name() files; no hidden entries), so that e.g. a log file written next to the
 * manifests does not defeat the fingerprint; SOURCE_TREE_ALL counts every entry (an
 * unrelated change there costs one needless read, never a missed one).
 *
 * With contents set (source_identity_contents), the bytes of every regular file that counts
 * go in too: the observation the settle rule compares (source_settle.h), which must not
 * depend on timestamps alone.
 *
 * Racy timestamps: a file written in the same clock tick as it was looked at could change
 * again without its timestamps moving. A fingerprint that saw an mtime or ctime less than
 * SOURCE_SETTLE_SECONDS old is "unsettled" and must not be trusted by the next cycle (the
 * idea of git's racy-index check).
 *
 * Ownership: a source_identity is the caller's (stack); source_identity_finish() frees
 * what begin() allocated. Not thread-safe. */
#ifndef ROUTESRV_SOURCE_IDENTITY_H
#define ROUTESRV_SOURCE_IDENTITY_H
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define SOURCE_SETTLE_SECONDS 2

/* The result: a 128-bit hash. */
typedef struct {
	unsigned long long hi, lo;
} source_fingerprint;

typedef struct {
	void *state;                /* XXH3 streaming state */
	time_t now;                 /* wall clock when begun */
	bool unsettled;             /* some timestamp was too recent to trust */
	bool contents;              /* also hash the bytes of regular files */
} source_identity;

void source_identity_begin(source_identity *id);
void source_identity_bytes(source_identity *id, const void *data, size_t len);
/* From now on, source_identity_tree() hashes the contents of files as well as their identity. */
void source_identity_contents(source_identity *id);
typedef enum { SOURCE_TREE_ALL, SOURCE_TREE_MANIFESTS } source_tree_kind;

/* Whether a directory entry of that name is a manifest: *.yaml, *.yml or *.json. The one
 * rule for what kube_read_path reads and what SOURCE_TREE_MANIFESTS fingerprints. */
bool source_manifest_name(const char *name);

/* Adds a path: a file, or a directory with what counts below it (depth-limited). */
void source_identity_tree(source_identity *id, const char *path, source_tree_kind kind);
/* The fingerprint; true when it can be trusted by the next cycle (settled). */
bool source_identity_finish(source_identity *id, source_fingerprint *out);

static inline bool source_fingerprint_equal(const source_fingerprint *a, const source_fingerprint *b)
{
	return a->hi == b->hi && a->lo == b->lo;
}
#endif
