/*
 * A thread-safe in-memory store written in C against the OcStore callbacks: what a C host
 * writes over its own database. Documents, events and records are kept as the opaque JSON
 * strings the engine hands over; orders are filtered by the index fields of each write.
 */
#ifndef ORDERCORE_TEST_MEMORY_STORE_H
#define ORDERCORE_TEST_MEMORY_STORE_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordercore.h"

typedef struct Doc {
    char kind[32], id[160], customer[160], state[40], created[64], due[64];
    uint64_t version;
    char *json;
} Doc;

typedef struct Event {
    uint64_t position;
    int delivered;
    char *json;
} Event;

typedef struct Record {
    char *key, *json;
} Record;

typedef struct MemoryStore {
    pthread_mutex_t lock;
    Doc *docs;
    size_t n_docs, cap_docs;
    Event *events;
    size_t n_events, cap_events;
    Record *records;
    size_t n_records, cap_records;
    int fail_loads; /* for tests: make load fail */
    int commits;
} MemoryStore;

#define GROW(array, count, capacity)                                              \
    do {                                                                          \
        if ((count) == (capacity)) {                                              \
            (capacity) = (capacity) ? (capacity) * 2 : 16;                        \
            (array) = realloc((array), (capacity) * sizeof *(array));             \
        }                                                                         \
    } while (0)

static void copy(char *to, size_t size, const char *from) {
    snprintf(to, size, "%s", from ? from : "");
}

static Doc *find_doc(MemoryStore *s, const char *kind, const char *id) {
    for (size_t i = 0; i < s->n_docs; i++)
        if (strcmp(s->docs[i].kind, kind) == 0 && strcmp(s->docs[i].id, id) == 0) return &s->docs[i];
    return NULL;
}

static OcStatus ms_load(void *data, const char *kind, const char *id, uint64_t *version, char **out) {
    MemoryStore *s = data;
    if (s->fail_loads) return OC_STATUS_PROVIDER_ERROR;
    pthread_mutex_lock(&s->lock);
    Doc *d = find_doc(s, kind, id);
    *out = d ? strdup(d->json) : NULL;
    *version = d ? d->version : 0;
    pthread_mutex_unlock(&s->lock);
    return OC_STATUS_OK;
}

static OcStatus ms_commit(void *data, const OcWrite *writes, uintptr_t n_writes, const char *const *events, uintptr_t n_events,
                          const char *key, const char *record) {
    MemoryStore *s = data;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < n_writes; i++) {
        Doc *d = find_doc(s, writes[i].kind, writes[i].id);
        if ((d ? d->version : 0) != writes[i].expected_version) {
            pthread_mutex_unlock(&s->lock);
            return OC_STATUS_VERSION_CONFLICT;
        }
    }
    if (key)
        for (size_t i = 0; i < s->n_records; i++)
            if (strcmp(s->records[i].key, key) == 0) {
                pthread_mutex_unlock(&s->lock);
                return OC_STATUS_IDEMPOTENCY_CONFLICT;
            }
    for (size_t i = 0; i < n_writes; i++) {
        const OcWrite *w = &writes[i];
        Doc *d = find_doc(s, w->kind, w->id);
        if (!d) {
            GROW(s->docs, s->n_docs, s->cap_docs);
            d = &s->docs[s->n_docs++];
            memset(d, 0, sizeof *d);
            copy(d->kind, sizeof d->kind, w->kind);
            copy(d->id, sizeof d->id, w->id);
        }
        free(d->json);
        d->json = strdup(w->document_json);
        d->version = w->expected_version + 1;
        copy(d->customer, sizeof d->customer, w->customer_id);
        copy(d->state, sizeof d->state, w->state);
        copy(d->created, sizeof d->created, w->created_at);
        copy(d->due, sizeof d->due, w->due_at);
    }
    for (size_t i = 0; i < n_events; i++) {
        GROW(s->events, s->n_events, s->cap_events);
        s->events[s->n_events] = (Event){.position = s->n_events + 1, .delivered = 0, .json = strdup(events[i])};
        s->n_events++;
    }
    if (key && record) {
        GROW(s->records, s->n_records, s->cap_records);
        s->records[s->n_records++] = (Record){.key = strdup(key), .json = strdup(record)};
    }
    s->commits++;
    pthread_mutex_unlock(&s->lock);
    return OC_STATUS_OK;
}

static MemoryStore *sort_store;
static int by_created_then_id(const void *a, const void *b) {
    const Doc *x = &sort_store->docs[*(const size_t *)a], *y = &sort_store->docs[*(const size_t *)b];
    int c = strcmp(x->created, y->created);
    return c ? c : strcmp(x->id, y->id);
}

static OcStatus ms_find_orders(void *data, const OcOrderQuery *q, char **out, char **next_at, char **next_id) {
    MemoryStore *s = data;
    pthread_mutex_lock(&s->lock);
    size_t *hits = malloc((s->n_docs + 1) * sizeof *hits), n = 0, total = 3;
    for (size_t i = 0; i < s->n_docs; i++) {
        Doc *d = &s->docs[i];
        if (strcmp(d->kind, "order") != 0) continue;
        if (q->customer_id && strcmp(d->customer, q->customer_id) != 0) continue;
        if (q->state && strcmp(d->state, q->state) != 0) continue;
        if (q->due_before && (!d->due[0] || strcmp(d->due, q->due_before) > 0)) continue;
        if (q->after_created_at && q->after_id) {
            int c = strcmp(d->created, q->after_created_at);
            if (c < 0 || (c == 0 && strcmp(d->id, q->after_id) <= 0)) continue;
        }
        hits[n++] = i;
    }
    sort_store = s;
    qsort(hits, n, sizeof *hits, by_created_then_id);
    size_t take = n < q->limit ? n : q->limit;
    for (size_t i = 0; i < take; i++) total += strlen(s->docs[hits[i]].json) + 1;
    char *json = malloc(total), *at = json;
    *at++ = '[';
    for (size_t i = 0; i < take; i++) {
        if (i) *at++ = ',';
        size_t len = strlen(s->docs[hits[i]].json);
        memcpy(at, s->docs[hits[i]].json, len);
        at += len;
    }
    *at++ = ']';
    *at = '\0';
    *out = json;
    *next_at = *next_id = NULL;
    if (n > take && take > 0) {
        *next_at = strdup(s->docs[hits[take - 1]].created);
        *next_id = strdup(s->docs[hits[take - 1]].id);
    }
    free(hits);
    pthread_mutex_unlock(&s->lock);
    return OC_STATUS_OK;
}

static OcStatus ms_idempotency(void *data, const char *key, char **out) {
    MemoryStore *s = data;
    pthread_mutex_lock(&s->lock);
    *out = NULL;
    for (size_t i = 0; i < s->n_records; i++)
        if (strcmp(s->records[i].key, key) == 0) *out = strdup(s->records[i].json);
    pthread_mutex_unlock(&s->lock);
    return OC_STATUS_OK;
}

static OcStatus ms_pending_events(void *data, uint32_t limit, char **out) {
    MemoryStore *s = data;
    pthread_mutex_lock(&s->lock);
    size_t total = 3, taken = 0;
    for (size_t i = 0; i < s->n_events && taken < limit; i++)
        if (!s->events[i].delivered) total += strlen(s->events[i].json) + 48, taken++;
    char *json = malloc(total), *at = json;
    at += sprintf(at, "[");
    taken = 0;
    for (size_t i = 0; i < s->n_events && taken < limit; i++) {
        if (s->events[i].delivered) continue;
        at += sprintf(at, "%s{\"position\":%llu,\"event\":%s}", taken ? "," : "", (unsigned long long)s->events[i].position,
                      s->events[i].json);
        taken++;
    }
    sprintf(at, "]");
    *out = json;
    pthread_mutex_unlock(&s->lock);
    return OC_STATUS_OK;
}

static OcStatus ms_mark_delivered(void *data, const uint64_t *positions, uintptr_t n) {
    MemoryStore *s = data;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < n; i++)
        if (positions[i] >= 1 && positions[i] <= s->n_events) s->events[positions[i] - 1].delivered = 1;
    pthread_mutex_unlock(&s->lock);
    return OC_STATUS_OK;
}

static OcStore memory_store_table(MemoryStore *s) {
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->lock, NULL);
    OcStore table = {.user_data = s,
                     .load = ms_load,
                     .commit = ms_commit,
                     .find_orders = ms_find_orders,
                     .idempotency = ms_idempotency,
                     .pending_events = ms_pending_events,
                     .mark_delivered = ms_mark_delivered};
    return table;
}

static void memory_store_free(MemoryStore *s) {
    for (size_t i = 0; i < s->n_docs; i++) free(s->docs[i].json);
    for (size_t i = 0; i < s->n_events; i++) free(s->events[i].json);
    for (size_t i = 0; i < s->n_records; i++) free(s->records[i].key), free(s->records[i].json);
    free(s->docs);
    free(s->events);
    free(s->records);
    pthread_mutex_destroy(&s->lock);
}

#endif
