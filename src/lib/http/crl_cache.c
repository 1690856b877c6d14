/*
 * crl_cache.c: the CRL cache (crl_cache.h): building CRLs, keeping the
 * full ones and the requested partitions within their caps (least recently
 * requested first out), and rebuilding what is due.
 *
 * Building a partition takes a few milliseconds (an index range scan of
 * ~1/1024 of the revoked certificates and one signature); a full CRL of a
 * million entries half a second.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fsutil.h"
#include "crl_cache.h"

void jpki_crl_blob_unref(void *cls)
{
	struct blob *b = cls;
	if (b && __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		jpki_crl_clear(&b->crl);
		free(b);
	}
}

static size_t slot_bytes(const struct slot *s)
{
	return (s->base ? s->base->crl.len : 0) + (s->delta ? s->delta->crl.len : 0);
}

static void slot_drop(struct jpki_crl_http *h, struct slot *s)
{
	if (!s->base && !s->delta)
		return;
	h->bytes -= slot_bytes(s);
	if (s->base)
		h->cached--;
	jpki_crl_blob_unref(s->base);
	jpki_crl_blob_unref(s->delta);
	s->base = s->delta = NULL;
}

/* Evict least recently used partitions (never `keep`) until within the caps. */
static void evict(struct jpki_crl_http *h, const struct slot *keep)
{
	while (h->cached > h->cfg.max_partitions || h->bytes > h->cfg.max_bytes) {
		struct slot *lru = NULL;
		for (int k = 0; k < 2; k++)
			for (int i = 0; i < JPKI_CRL_PARTITIONS; i++) {
				struct slot *s = &h->slots[k][i];
				if (s != keep && s->base && (!lru || s->used < lru->used))
					lru = s;
			}
		if (!lru)
			return;
		slot_drop(h, lru);
	}
}

static int build(struct jpki_crl_http *h, struct jpki_store *st, enum jpki_kind kind,
                 const struct jpki_crl_scope *sc, int64_t now, int64_t version, struct blob **ret,
                 struct jpki_err *err)
{
	int64_t validity = sc->delta ? h->cfg.delta_validity : h->cfg.validity;
	struct blob *b = calloc(1, sizeof(*b));
	if (!b)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	int rc = jpki_crl_build_scope(st, h->cas[kind], sc, now, validity, &b->crl, err);
	if (rc < 0) {
		free(b);
		return rc;
	}
	b->refs = 1;
	b->version = version;
	b->rebuild_at = now + validity / 2;
	snprintf(b->etag, sizeof(b->etag), "\"%llx\"", (unsigned long long)b->crl.number);
	*ret = b;
	return 0;
}

/*
 * Write a full CRL to <data>/crl/<kind>.crl (atomically, jpki_write_file_atomic)
 * unless a newer one is there already: the request path and the refresh
 * thread may both have built one.
 */
static int save_full(struct jpki_crl_http *h, enum jpki_kind kind, const struct jpki_crl *c,
                     struct jpki_err *err)
{
	char dir[4096], path[4200];
	int rc;
	pthread_mutex_lock(&h->save_lock);
	if (c->number <= h->saved[kind]) {
		pthread_mutex_unlock(&h->save_lock);
		return 0;
	}
	if ((rc = jpki_data_path(h->cas[0]->ctx, dir, sizeof(dir), "crl", err)) == 0 &&
	    (rc = jpki_mkdir_p(dir, err)) == 0) {
		snprintf(path, sizeof(path), "%s/%s.crl", dir, jpki_kind_name(kind));
		if ((rc = jpki_write_file_atomic(path, c->der, c->len, 0644, err)) == 0)
			h->saved[kind] = c->number;
	}
	pthread_mutex_unlock(&h->save_lock);
	return rc;
}

/* The full CRL, rebuilt when stale; lock held.  A failed rebuild keeps the old one. */
static int full_locked(struct jpki_crl_http *h, enum jpki_kind kind, int64_t now, bool force,
                       struct jpki_err *err)
{
	struct blob *b = h->full[kind];
	int64_t version;
	int rc = h->st->ops->revocation_version(h->st, kind, &version, err);
	if (rc < 0)
		return rc;
	if (!force && b && b->version == version && now < b->rebuild_at &&
	    now >= b->crl.this_update)
		return 0;
	static const struct jpki_crl_scope full = {-1, false, 0, 0};
	struct blob *nb;
	if ((rc = build(h, h->st, kind, &full, now, version, &nb, err)) < 0)
		return rc;
	jpki_crl_blob_unref(b);
	h->full[kind] = nb;
	return save_full(h, kind, &nb->crl, err);
}

/* Partition p's base (and, for delta, its delta), rebuilt when stale; lock held. */
static int part_locked(struct jpki_crl_http *h, enum jpki_kind kind, int p, bool delta, int64_t now,
                       struct jpki_err *err)
{
	struct slot *s = &h->slots[kind][p];
	int64_t version;
	int rc = h->st->ops->revocation_version(h->st, kind, &version, err);
	if (rc < 0)
		return rc;
	s->used = ++h->clock;
	if (!s->base || now >= s->base->rebuild_at || now < s->base->crl.this_update) {
		struct jpki_crl_scope sc = {p, false, 0, 0};
		struct blob *nb;
		if ((rc = build(h, h->st, kind, &sc, now, version, &nb, err)) < 0)
			return rc;
		size_t old = slot_bytes(s);
		if (!s->base)
			h->cached++;
		jpki_crl_blob_unref(s->base);
		jpki_crl_blob_unref(s->delta); /* its base is gone */
		s->base = nb;
		s->delta = NULL;
		h->bytes = h->bytes - old + slot_bytes(s);
	}
	if (delta && (!s->delta || s->delta->version != version || now >= s->delta->rebuild_at ||
	              s->delta->crl.this_update < s->base->crl.this_update)) {
		struct jpki_crl_scope sc = {p, true, s->base->crl.number, s->base->crl.this_update};
		struct blob *nb;
		if ((rc = build(h, h->st, kind, &sc, now, version, &nb, err)) < 0)
			return rc;
		size_t old = slot_bytes(s);
		jpki_crl_blob_unref(s->delta);
		s->delta = nb;
		h->bytes = h->bytes - old + slot_bytes(s);
	}
	evict(h, s);
	return 0;
}

int jpki_crl_http_new(const struct jpki_crl_http_cfg *cfg, struct jpki_store *st,
                      struct jpki_ca *const cas[2], struct jpki_crl_http **ret,
                      struct jpki_err *err)
{
	struct jpki_crl_http *h = calloc(1, sizeof(*h));
	if (!h)
		return jpki_fail(err, JPKI_E_NOMEM, "out of memory");
	h->cfg = *cfg;
	if (h->cfg.validity <= 0)
		h->cfg.validity = JPKI_CRL_DEFAULT_VALIDITY;
	if (h->cfg.delta_validity <= 0)
		h->cfg.delta_validity = JPKI_CRL_DELTA_DEFAULT_VALIDITY;
	if (h->cfg.max_partitions == 0)
		h->cfg.max_partitions = 512;
	if (h->cfg.max_bytes == 0)
		h->cfg.max_bytes = (size_t)256 << 20;
	h->st = st;
	h->cas[0] = cas[0];
	h->cas[1] = cas[1];
	pthread_mutex_init(&h->lock, NULL);
	pthread_mutex_init(&h->save_lock, NULL);
	pthread_mutex_init(&h->tlock, NULL);
	pthread_cond_init(&h->tcond, NULL);
	*ret = h;
	return 0;
}

void jpki_crl_http_free(struct jpki_crl_http *h)
{
	if (!h)
		return;
	jpki_crl_http_stop_refresh(h);
	for (int k = 0; k < 2; k++) {
		jpki_crl_blob_unref(h->full[k]);
		for (int i = 0; i < JPKI_CRL_PARTITIONS; i++)
			slot_drop(h, &h->slots[k][i]);
	}
	pthread_mutex_destroy(&h->lock);
	pthread_mutex_destroy(&h->save_lock);
	pthread_mutex_destroy(&h->tlock);
	pthread_cond_destroy(&h->tcond);
	free(h);
}

int jpki_crl_http_refresh(struct jpki_crl_http *h, int64_t now, struct jpki_err *err)
{
	int rc = 0;
	pthread_mutex_lock(&h->lock);
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < JPKI_CRL_PARTITIONS; i++)
			slot_drop(h, &h->slots[k][i]);
	for (int k = 0; k < 2 && rc == 0; k++)
		rc = full_locked(h, (enum jpki_kind)k, now, true, err);
	pthread_mutex_unlock(&h->lock);
	return rc;
}

/*
 * The scheduled refresh.  Everything is built with the thread's own registry
 * connection and outside the cache lock, which is taken only to look at a
 * CRL and to swap a new one in, so requests wait at most for a pointer swap
 * (never for a build of the full CRL, half a second for a million entries).
 * A CRL built meanwhile by a request (under the lock, with a number drawn
 * later) is never replaced by an older one.
 */
static int refresh_full(struct jpki_crl_http *h, struct jpki_store *st, enum jpki_kind kind,
                        int64_t now, bool force, struct jpki_err *err)
{
	int64_t version;
	int rc = st->ops->revocation_version(st, kind, &version, err);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&h->lock);
	const struct blob *b = h->full[kind];
	bool due = force || !b || b->version != version || now >= b->rebuild_at ||
	           now < b->crl.this_update;
	pthread_mutex_unlock(&h->lock);
	if (!due)
		return 0;
	static const struct jpki_crl_scope full = {-1, false, 0, 0};
	struct blob *nb, *old = NULL;
	if ((rc = build(h, st, kind, &full, now, version, &nb, err)) < 0)
		return rc;
	__atomic_add_fetch(&nb->refs, 1, __ATOMIC_ACQ_REL); /* ours, for the save */
	pthread_mutex_lock(&h->lock);
	if (!h->full[kind] || h->full[kind]->crl.number < nb->crl.number) {
		old = h->full[kind];
		h->full[kind] = nb;
	} else {
		old = nb; /* a request built a newer one meanwhile */
	}
	pthread_mutex_unlock(&h->lock);
	jpki_crl_blob_unref(old);
	rc = save_full(h, kind, &nb->crl, err);
	jpki_crl_blob_unref(nb);
	return rc;
}

/* Partition p of a CA: its base when past its rebuild point, its delta when stale. */
static int refresh_part(struct jpki_crl_http *h, struct jpki_store *st, enum jpki_kind kind, int p,
                        int64_t version, int64_t now, struct jpki_err *err)
{
	struct slot *s = &h->slots[kind][p];
	pthread_mutex_lock(&h->lock);
	struct blob *base = s->base;
	bool base_due = base && (now >= base->rebuild_at || now < base->crl.this_update);
	bool delta_due = base && !base_due && s->delta &&
	                 (s->delta->version != version || now >= s->delta->rebuild_at);
	if (base_due || delta_due)
		__atomic_add_fetch(&base->refs, 1, __ATOMIC_ACQ_REL); /* pinned while we build */
	pthread_mutex_unlock(&h->lock);
	if (!base_due && !delta_due)
		return 0;
	struct jpki_crl_scope sc = {p, false, 0, 0};
	if (delta_due)
		sc = (struct jpki_crl_scope){p, true, base->crl.number, base->crl.this_update};
	struct blob *nb;
	int rc = build(h, st, kind, &sc, now, version, &nb, err);
	if (rc < 0) {
		jpki_crl_blob_unref(base);
		return rc;
	}
	pthread_mutex_lock(&h->lock);
	if (s->base == base) { /* else the slot was rebuilt or dropped meanwhile */
		size_t was = slot_bytes(s);
		if (base_due) {
			jpki_crl_blob_unref(s->base);
			jpki_crl_blob_unref(s->delta); /* against the old base */
			s->base = nb;
			s->delta = NULL;
		} else {
			jpki_crl_blob_unref(s->delta);
			s->delta = nb;
		}
		nb = NULL;
		h->bytes = h->bytes - was + slot_bytes(s);
		evict(h, s);
	}
	pthread_mutex_unlock(&h->lock);
	jpki_crl_blob_unref(nb);
	jpki_crl_blob_unref(base);
	return 0;
}

int jpki_crl_http_refresh_due(struct jpki_crl_http *h, struct jpki_store *st, int64_t now,
                              bool force, struct jpki_err *err)
{
	int rc = 0, first = 0;
	for (int k = 0; k < 2 && !__atomic_load_n(&h->stopping, __ATOMIC_ACQUIRE); k++) {
		int64_t version;
		if ((rc = refresh_full(h, st, (enum jpki_kind)k, now, force, err)) < 0 ||
		    (rc = st->ops->revocation_version(st, (enum jpki_kind)k, &version, err)) < 0) {
			first = first ? first : rc;
			continue;
		}
		for (int i = 0;
		     i < JPKI_CRL_PARTITIONS && !__atomic_load_n(&h->stopping, __ATOMIC_ACQUIRE);
		     i++)
			if ((rc = refresh_part(h, st, (enum jpki_kind)k, i, version, now, err)) < 0)
				first = first ? first : rc;
	}
	return first;
}

struct blob *jpki_crl_cache_take(struct jpki_crl_http *h, enum jpki_kind kind, int part, bool delta,
                                 int64_t now)
{
	struct jpki_err err;
	pthread_mutex_lock(&h->lock);
	int rc = part < 0 ? full_locked(h, kind, now, false, &err)
	                  : part_locked(h, kind, part, delta, now, &err);
	struct blob *b = part < 0 ? h->full[kind]
	                 : delta  ? h->slots[kind][part].delta
	                          : h->slots[kind][part].base;
	/* a failed refresh serves the previous CRL, still within its nextUpdate */
	if (b && now < b->crl.next_update)
		__atomic_add_fetch(&b->refs, 1, __ATOMIC_ACQ_REL);
	else
		b = NULL;
	bool say = rc < 0 && now - h->failure_logged >= 10;
	if (say)
		h->failure_logged = now;
	pthread_mutex_unlock(&h->lock);
	if (say) /* logged, not answered: the client gets the previous CRL or 503 */
		jpki_ctx_log(h->cas[0]->ctx, "warning", "cannot rebuild a %s CRL: %s%s",
		             jpki_kind_name(kind), err.msg, b ? " (serving the previous one)" : "");
	return b;
}

void jpki_crl_cache_usage(struct jpki_crl_http *h, unsigned *partitions, size_t *bytes)
{
	pthread_mutex_lock(&h->lock);
	*partitions = h->cached;
	*bytes = h->bytes;
	pthread_mutex_unlock(&h->lock);
}
