/* kube_changes.h: which objects changed between two reads of the cluster, and when the
 * newest of those changes was written.
 *
 * An object is identified by its kind, namespace and name, and its version by its
 * metadata.resourceVersion (the API server changes it on every write); objects without a
 * resourceVersion (most manifests on disk) are left out. An object changed when it is new
 * or its version differs from the last completed read. The time of a change is the newest
 * metadata.managedFields[].time of the object: the API server writes it, in whole seconds
 * rounded down, for every write by any field manager (kubectl apply, a controller). So it
 * is never later than the write it records, and a later write by a controller moves it
 * forward: a latency measured from it is up to a second too long, and no longer than the
 * time since the first write of the change.
 *
 * A read may come in parts (the API, then manifests): each part is added, and the read is
 * committed when every part was read, or aborted when one failed (the last completed read
 * stays the reference). Deleted objects carry no time.
 *
 * Memory: 8 bytes per object of the last completed read and of the one being added.
 * Ownership: kube_changes_free() frees everything; the clusters are borrowed per call. */
#ifndef ROUTESRV_KUBE_CHANGES_H
#define ROUTESRV_KUBE_CHANGES_H
#include "objects/kube_model.h"

typedef struct kube_changes kube_changes;

kube_changes *kube_changes_new(void);
void kube_changes_free(kube_changes *k);     /* NULL is fine */

/* Adds a part of the current read. */
void kube_changes_add(kube_changes *k, const kube_cluster *c);
/* Completes the current read: returns the newest managedFields time (Unix seconds) among
 * the objects that changed since the last completed read, 0 when none carries one or when
 * there was no completed read before (everything would look new). */
long long kube_changes_commit(kube_changes *k);
/* Forgets the parts added since the last commit. */
void kube_changes_abort(kube_changes *k);
#endif
