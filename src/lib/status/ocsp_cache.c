/*
 * ocsp_cache.c: the striped cache of pre-signed OCSP responses.
 *
 * 64 stripes, each a mutex, a chained hash table and a FIFO ring of its
 * entries.  Keys come from outside (serials are the client's choice), so
 * the hash is seeded with random bytes at start: nobody can aim many keys
 * at one chain.  Allocation and freeing of response bytes happen outside
 * the lock where they can; a lookup holds the lock only for the search and
 * the copy of one response (about 1.5 KB).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "ocsp_cache.h"

#define STRIPES 64

struct entry {
	struct entry *next; /* hash chain */
	size_t slot;        /* index in the stripe's ring */
	uint64_t hash;
	size_t key_len;
	uint8_t key[OCSP_CACHE_KEY_MAX];
	struct ocsp_cached info;
	size_t der_len;
	uint8_t der[];
};

struct stripe {
	pthread_mutex_t lock;
	struct entry **buckets;
	size_t nbuckets; /* power of two */
	struct entry **ring;
	size_t cap, used, hand;
};

struct ocsp_cache {
	uint64_t seed;
	struct stripe s[STRIPES];
};

/* FNV-1a over the key, seeded, then the murmur3 finaliser to spread the bits. */
static uint64_t key_hash(uint64_t seed, const uint8_t *k, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;
	for (size_t i = 0; i < n; i++)
		h = (h ^ k[i]) * 0x100000001b3ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 33);
}

struct ocsp_cache *ocsp_cache_new(size_t max_entries)
{
	struct ocsp_cache *c = calloc(1, sizeof(*c));
	if (!c || RAND_bytes((unsigned char *)&c->seed, sizeof(c->seed)) != 1) {
		free(c);
		return NULL;
	}
	size_t cap = max_entries / STRIPES + 1, nb = 16;
	while (nb < cap)
		nb <<= 1;
	for (int i = 0; i < STRIPES; i++) {
		struct stripe *s = &c->s[i];
		pthread_mutex_init(&s->lock, NULL);
		s->cap = cap;
		s->nbuckets = nb;
		s->buckets = calloc(nb, sizeof(*s->buckets));
		s->ring = calloc(cap, sizeof(*s->ring));
		if (!s->buckets || !s->ring) {
			ocsp_cache_free(c);
			return NULL;
		}
	}
	return c;
}

void ocsp_cache_free(struct ocsp_cache *c)
{
	if (!c)
		return;
	for (int i = 0; i < STRIPES; i++) {
		struct stripe *s = &c->s[i];
		for (size_t j = 0; s->ring && j < s->used; j++)
			free(s->ring[j]);
		free(s->ring);
		free(s->buckets);
		pthread_mutex_destroy(&s->lock);
	}
	free(c);
}

static struct stripe *stripe_of(struct ocsp_cache *c, uint64_t h)
{
	return &c->s[h % STRIPES];
}

static struct entry **chain_of(struct stripe *s, uint64_t h)
{
	return &s->buckets[(h / STRIPES) & (s->nbuckets - 1)];
}

/* The link that points at the entry with key, or at the chain's NULL end. */
static struct entry **find(struct stripe *s, uint64_t h, const uint8_t *key, size_t n)
{
	struct entry **pp = chain_of(s, h);
	while (*pp && !((*pp)->hash == h && (*pp)->key_len == n && memcmp((*pp)->key, key, n) == 0))
		pp = &(*pp)->next;
	return pp;
}

static bool same_status(const struct ocsp_cached *a, const struct ocsp_cached *b)
{
	return a->cert_status == b->cert_status && a->revoked_at == b->revoked_at &&
	       a->reason == b->reason && a->responder == b->responder;
}

int ocsp_cache_get(struct ocsp_cache *c, const uint8_t *key, size_t key_len,
                   const struct ocsp_cached *want, int64_t now, uint8_t **der, size_t *der_len,
                   struct ocsp_cached *info)
{
	if (key_len > OCSP_CACHE_KEY_MAX)
		return 0;
	uint64_t h = key_hash(c->seed, key, key_len);
	struct stripe *s = stripe_of(c, h);
	int rc = 0;
	pthread_mutex_lock(&s->lock);
	struct entry *e = *find(s, h, key, key_len);
	if (e && same_status(&e->info, want) && now >= e->info.this_update &&
	    now < e->info.fresh_until) {
		uint8_t *copy = malloc(e->der_len);
		if (copy) {
			memcpy(copy, e->der, e->der_len);
			*der = copy;
			*der_len = e->der_len;
			*info = e->info;
			rc = 1;
		} else {
			rc = -1;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

/* Unlink e (found through link pp is not known) from its chain. */
static void unlink_entry(struct stripe *s, struct entry *e)
{
	struct entry **pp = chain_of(s, e->hash);
	while (*pp && *pp != e)
		pp = &(*pp)->next;
	if (*pp)
		*pp = e->next;
}

int ocsp_cache_put(struct ocsp_cache *c, const uint8_t *key, size_t key_len,
                   const struct ocsp_cached *info, const uint8_t *der, size_t der_len)
{
	if (key_len > OCSP_CACHE_KEY_MAX)
		return -1;
	struct entry *n = malloc(sizeof(*n) + der_len), *gone = NULL;
	if (!n)
		return -1;
	n->hash = key_hash(c->seed, key, key_len);
	n->key_len = key_len;
	memcpy(n->key, key, key_len);
	n->info = *info;
	n->der_len = der_len;
	memcpy(n->der, der, der_len);
	struct stripe *s = stripe_of(c, n->hash);
	pthread_mutex_lock(&s->lock);
	struct entry **pp = find(s, n->hash, key, key_len);
	if (*pp) { /* replace in place: same ring slot */
		gone = *pp;
		n->slot = gone->slot;
		n->next = gone->next;
		*pp = n;
	} else {
		if (s->used < s->cap) {
			n->slot = s->used++;
		} else { /* full: evict the oldest (FIFO) */
			gone = s->ring[s->hand];
			unlink_entry(s, gone);
			n->slot = s->hand;
			s->hand = (s->hand + 1) % s->cap;
		}
		n->next = *chain_of(s, n->hash);
		*chain_of(s, n->hash) = n;
	}
	s->ring[n->slot] = n;
	pthread_mutex_unlock(&s->lock);
	free(gone);
	return 0;
}

size_t ocsp_cache_count(struct ocsp_cache *c)
{
	size_t n = 0;
	for (int i = 0; i < STRIPES; i++) {
		pthread_mutex_lock(&c->s[i].lock);
		n += c->s[i].used;
		pthread_mutex_unlock(&c->s[i].lock);
	}
	return n;
}
