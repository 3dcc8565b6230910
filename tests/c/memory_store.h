/*
 * A thread-safe in-memory store written in C against the host-store protocol (one `OcHostCall`
 * answering JSON requests, read with cJSON): what a C host writes over its own database.
 * Documents, events and records are kept as the opaque JSON text the engine hands over; orders
 * are filtered by the index fields of each write; counters change by deltas within their bounds.
 */
#ifndef ORDERCORE_TEST_MEMORY_STORE_H
#define ORDERCORE_TEST_MEMORY_STORE_H

#include <cjson/cJSON.h>
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
    int delivered;
    char *json;
} Event;

typedef struct Record {
    char *key, *json;
} Record;

typedef struct Counter {
    char name[200];
    long long value;
} Counter;

typedef struct MemoryStore {
    pthread_mutex_t lock;
    Doc *docs;
    size_t n_docs, cap_docs;
    Counter *counters;
    size_t n_counters, cap_counters;
    Event *events; /* events[i] is at position i + 1 */
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

/* A string member of a request, or NULL (absent or JSON null). */
static const char *field(const cJSON *object, const char *name) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, name);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

static double number(const cJSON *object, const char *name) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, name);
    return cJSON_IsNumber(item) ? item->valuedouble : 0;
}

static void copy(char *to, size_t size, const char *from) {
    snprintf(to, size, "%s", from ? from : "");
}

static Doc *find_doc(MemoryStore *s, const char *kind, const char *id) {
    for (size_t i = 0; i < s->n_docs; i++)
        if (strcmp(s->docs[i].kind, kind) == 0 && strcmp(s->docs[i].id, id) == 0) return &s->docs[i];
    return NULL;
}

static Record *find_record(MemoryStore *s, const char *key) {
    for (size_t i = 0; i < s->n_records; i++)
        if (strcmp(s->records[i].key, key) == 0) return &s->records[i];
    return NULL;
}

static Counter *find_counter(MemoryStore *s, const char *name) {
    for (size_t i = 0; i < s->n_counters; i++)
        if (strcmp(s->counters[i].name, name) == 0) return &s->counters[i];
    return NULL;
}

static long long counter_value(MemoryStore *s, const char *name) {
    Counter *c = find_counter(s, name);
    return c ? c->value : 0;
}

static cJSON *ms_counters(MemoryStore *s, const cJSON *request) {
    cJSON *answer = cJSON_CreateArray();
    const cJSON *name;
    cJSON_ArrayForEach(name, cJSON_GetObjectItemCaseSensitive(request, "names")) {
        cJSON_AddItemToArray(answer, cJSON_CreateNumber((double)counter_value(s, name->valuestring)));
    }
    return answer;
}

/* Whether a counter change's new value keeps its bounds (`min`/`max`, null: open). */
static int within_bounds(MemoryStore *s, const cJSON *change) {
    long long value = counter_value(s, field(change, "name")) + (long long)number(change, "delta");
    const cJSON *min = cJSON_GetObjectItemCaseSensitive(change, "min");
    const cJSON *max = cJSON_GetObjectItemCaseSensitive(change, "max");
    if (cJSON_IsNumber(min) && value < (long long)min->valuedouble) return 0;
    if (cJSON_IsNumber(max) && value > (long long)max->valuedouble) return 0;
    return 1;
}

static void add_to_counter(MemoryStore *s, const cJSON *change) {
    Counter *c = find_counter(s, field(change, "name"));
    if (!c) {
        GROW(s->counters, s->n_counters, s->cap_counters);
        c = &s->counters[s->n_counters++];
        copy(c->name, sizeof c->name, field(change, "name"));
        c->value = 0;
    }
    c->value += (long long)number(change, "delta");
}

static cJSON *ms_load(MemoryStore *s, const cJSON *request) {
    Doc *d = find_doc(s, field(request, "kind"), field(request, "id"));
    if (!d) return cJSON_CreateNull();
    cJSON *answer = cJSON_CreateObject();
    cJSON_AddNumberToObject(answer, "version", (double)d->version);
    cJSON_AddStringToObject(answer, "document", d->json);
    return answer;
}

/* Whether every write still finds the version it expects, every counter keeps its bounds (one
 * change per counter), and the record's key is new. */
static const char *ms_refusal(MemoryStore *s, const cJSON *writes, const cJSON *counters, const cJSON *record) {
    const cJSON *w, *c;
    cJSON_ArrayForEach(w, writes) {
        Doc *d = find_doc(s, field(w, "kind"), field(w, "id"));
        if ((d ? d->version : 0) != (uint64_t)number(w, "expected_version")) return "version_conflict";
    }
    cJSON_ArrayForEach(c, counters) {
        if (!within_bounds(s, c)) return "version_conflict";
    }
    if (cJSON_IsObject(record) && find_record(s, field(record, "key"))) return "idempotency_conflict";
    return NULL;
}

static cJSON *ms_commit(MemoryStore *s, const cJSON *request) {
    const cJSON *writes = cJSON_GetObjectItemCaseSensitive(request, "writes");
    const cJSON *events = cJSON_GetObjectItemCaseSensitive(request, "events");
    const cJSON *counters = cJSON_GetObjectItemCaseSensitive(request, "counters");
    const cJSON *record = cJSON_GetObjectItemCaseSensitive(request, "idempotency");
    const char *refusal = ms_refusal(s, writes, counters, record);
    if (refusal) return cJSON_CreateString(refusal);
    const cJSON *w, *e, *c;
    cJSON_ArrayForEach(c, counters) add_to_counter(s, c);
    cJSON_ArrayForEach(w, writes) {
        Doc *d = find_doc(s, field(w, "kind"), field(w, "id"));
        if (!d) {
            GROW(s->docs, s->n_docs, s->cap_docs);
            d = &s->docs[s->n_docs++];
            memset(d, 0, sizeof *d);
            copy(d->kind, sizeof d->kind, field(w, "kind"));
            copy(d->id, sizeof d->id, field(w, "id"));
        }
        free(d->json);
        d->json = strdup(field(w, "document"));
        d->version = (uint64_t)number(w, "expected_version") + 1;
        copy(d->customer, sizeof d->customer, field(w, "customer_id"));
        copy(d->state, sizeof d->state, field(w, "state"));
        copy(d->created, sizeof d->created, field(w, "created_at"));
        copy(d->due, sizeof d->due, field(w, "due_at"));
    }
    cJSON_ArrayForEach(e, events) {
        GROW(s->events, s->n_events, s->cap_events);
        s->events[s->n_events++] = (Event){.delivered = 0, .json = strdup(e->valuestring)};
    }
    if (cJSON_IsObject(record)) {
        GROW(s->records, s->n_records, s->cap_records);
        s->records[s->n_records++] = (Record){.key = strdup(field(record, "key")), .json = strdup(field(record, "record"))};
    }
    s->commits++;
    return cJSON_CreateString("ok");
}

static int ms_matches(const Doc *d, const cJSON *q) {
    const char *customer = field(q, "customer_id"), *state = field(q, "state"), *due = field(q, "due_before");
    const char *after_at = field(q, "after_created_at"), *after_id = field(q, "after_id"), *kind = field(q, "kind");
    if (!kind || strcmp(d->kind, kind) != 0) return 0;
    if (customer && strcmp(d->customer, customer) != 0) return 0;
    if (state && strcmp(d->state, state) != 0) return 0;
    if (due && (!d->due[0] || strcmp(d->due, due) > 0)) return 0;
    if (after_at && after_id) {
        int c = strcmp(d->created, after_at);
        if (c < 0 || (c == 0 && strcmp(d->id, after_id) <= 0)) return 0;
    }
    return 1;
}

static MemoryStore *sort_store;
static int by_created_then_id(const void *a, const void *b) {
    const Doc *x = &sort_store->docs[*(const size_t *)a], *y = &sort_store->docs[*(const size_t *)b];
    int c = strcmp(x->created, y->created);
    return c ? c : strcmp(x->id, y->id);
}

static cJSON *ms_find(MemoryStore *s, const cJSON *q) {
    size_t *hits = malloc((s->n_docs + 1) * sizeof *hits), n = 0, limit = (size_t)number(q, "limit");
    for (size_t i = 0; i < s->n_docs; i++)
        if (ms_matches(&s->docs[i], q)) hits[n++] = i;
    sort_store = s;
    qsort(hits, n, sizeof *hits, by_created_then_id);
    cJSON *answer = cJSON_CreateObject(), *documents = cJSON_AddArrayToObject(answer, "documents");
    for (size_t i = 0; i < n && i < limit; i++) cJSON_AddItemToArray(documents, cJSON_CreateString(s->docs[hits[i]].json));
    cJSON_AddBoolToObject(answer, "more", n > limit);
    free(hits);
    return answer;
}

static cJSON *ms_idempotency(MemoryStore *s, const cJSON *request) {
    Record *r = find_record(s, field(request, "key"));
    return r ? cJSON_CreateString(r->json) : cJSON_CreateNull();
}

static cJSON *ms_pending_events(MemoryStore *s, const cJSON *request) {
    size_t limit = (size_t)number(request, "limit"), taken = 0;
    cJSON *answer = cJSON_CreateArray();
    for (size_t i = 0; i < s->n_events && taken < limit; i++) {
        if (s->events[i].delivered) continue;
        cJSON *entry = cJSON_CreateObject();
        cJSON_AddNumberToObject(entry, "position", (double)(i + 1));
        cJSON_AddStringToObject(entry, "event", s->events[i].json);
        cJSON_AddItemToArray(answer, entry);
        taken++;
    }
    return answer;
}

static cJSON *ms_mark_delivered(MemoryStore *s, const cJSON *request) {
    const cJSON *p;
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(request, "positions")) {
        size_t position = (size_t)p->valuedouble;
        if (position >= 1 && position <= s->n_events) s->events[position - 1].delivered = 1;
    }
    return cJSON_CreateNull();
}

/* The store's one callback: the method's answer as malloc'ed JSON text. */
static int32_t ms_call(void *data, const char *method, const char *request_json, char **out) {
    MemoryStore *s = data;
    if (s->fail_loads && strcmp(method, "load") == 0) return OC_STATUS_PROVIDER_ERROR;
    cJSON *request = cJSON_Parse(request_json), *answer = NULL;
    if (!request) return OC_STATUS_INVALID_INPUT;
    pthread_mutex_lock(&s->lock);
    if (strcmp(method, "load") == 0) answer = ms_load(s, request);
    else if (strcmp(method, "counters") == 0) answer = ms_counters(s, request);
    else if (strcmp(method, "commit") == 0) answer = ms_commit(s, request);
    else if (strcmp(method, "find") == 0) answer = ms_find(s, request);
    else if (strcmp(method, "idempotency") == 0) answer = ms_idempotency(s, request);
    else if (strcmp(method, "pending_events") == 0) answer = ms_pending_events(s, request);
    else if (strcmp(method, "mark_delivered") == 0) answer = ms_mark_delivered(s, request);
    pthread_mutex_unlock(&s->lock);
    cJSON_Delete(request);
    if (!answer) return OC_STATUS_INVALID_INPUT;
    *out = cJSON_PrintUnformatted(answer);
    cJSON_Delete(answer);
    return OC_STATUS_OK;
}

static OcHost memory_store_host(MemoryStore *s) {
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->lock, NULL);
    return (OcHost){.user_data = s, .call = ms_call};
}

static void memory_store_free(MemoryStore *s) {
    for (size_t i = 0; i < s->n_docs; i++) free(s->docs[i].json);
    for (size_t i = 0; i < s->n_events; i++) free(s->events[i].json);
    for (size_t i = 0; i < s->n_records; i++) free(s->records[i].key), free(s->records[i].json);
    free(s->docs);
    free(s->counters);
    free(s->events);
    free(s->records);
    pthread_mutex_destroy(&s->lock);
}

#endif
