/*
 * C test suite of the ordercore C API. Run under valgrind by scripts/test.sh.
 * Prints one line per check and closes with "N passed, M failed".
 */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordercore.h"
#include "memory_store.h"

static int passed = 0, failed = 0;

#define CHECK(cond, what)                                                    \
    do {                                                                     \
        if (cond) {                                                          \
            passed++;                                                        \
        } else {                                                             \
            failed++;                                                        \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, what);   \
        }                                                                    \
    } while (0)

static const char *ADMIN = "{\"type\":\"staff\",\"id\":\"ops\",\"role\":\"admin\"}";
static const char *SYSTEM = "{\"type\":\"system\"}";
static const char *CUSTOMER = "{\"type\":\"customer\",\"id\":\"c1\"}";

static const char *CONFIG =
    "{\"clock\":\"2026-06-01T12:00:00Z\","
    "\"products\":[{\"sku\":\"A\",\"name\":\"Alpha\",\"unit_price\":\"10.00\"},"
    "{\"sku\":\"B\",\"name\":\"Beta\",\"unit_price\":\"25.00\"}],"
    "\"tax_rules\":[{\"id\":\"us\",\"name\":\"US\",\"country\":\"US\",\"percentage\":\"10\"}]}";

static const char *PLACE_FMT =
    "{\"command\":\"place_order\",\"customer_id\":\"%s\",\"lines\":[{\"sku\":\"%s\",\"quantity\":%d}],"
    "\"shipping_address\":{\"name\":\"Ada\",\"line1\":\"1 Main St\",\"city\":\"SF\",\"postal_code\":\"94103\",\"country\":\"US\"},"
    "\"shipping_option\":\"standard\",\"payment\":{\"method\":\"card\",\"capture\":true}}";

/* Copies the string value of the first "key":"value" pair found at or after `from`. */
static int json_string(const char *json, const char *key, char *out, size_t size) {
    char pattern[128];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    const char *at = strstr(json, pattern);
    if (!at) {
        snprintf(pattern, sizeof pattern, "\"%s\": \"", key); /* pretty-printed files */
        at = strstr(json, pattern);
        if (!at) return 0;
    }
    at += strlen(pattern);
    const char *end = strchr(at, '"');
    if (!end || (size_t)(end - at) >= size) return 0;
    memcpy(out, at, (size_t)(end - at));
    out[end - at] = '\0';
    return 1;
}

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)n + 1);
    if (text && fread(text, 1, (size_t)n, f) != (size_t)n) {
        free(text);
        text = NULL;
    }
    if (text) text[n] = '\0';
    fclose(f);
    return text;
}

static OcEngine *new_engine(void) {
    OcEngine *engine = NULL;
    char *error = NULL;
    OcStatus status = oc_engine_new(CONFIG, &engine, &error);
    CHECK(status == OC_STATUS_OK && engine != NULL, "engine created");
    oc_string_free(error);
    return engine;
}

static void set_stock(OcEngine *engine, const char *sku, int on_hand) {
    char command[256];
    char *out = NULL;
    snprintf(command, sizeof command, "{\"command\":\"set_stock\",\"sku\":\"%s\",\"on_hand\":%d}", sku, on_hand);
    CHECK(oc_execute(engine, ADMIN, command, NULL, &out) == OC_STATUS_OK, "set_stock");
    oc_string_free(out);
}

/* The shared vectors, every case: tests/vectors/split_cases.py writes each case as one request
 * file with its expectations; the request must give the expected totals, or fail with the
 * expected code and field. */
static void test_shared_vectors(void) {
    const char *keys[] = {"subtotal", "discount_total", "shipping_total", "tax_total", "grand_total"};
    DIR *dir = opendir(VECTORS_DIR);
    CHECK(dir != NULL, "vectors directory");
    if (!dir) return;
    int cases = 0;
    for (struct dirent *entry; (entry = readdir(dir)) != NULL;) {
        size_t n = strlen(entry->d_name);
        if (n < 5 || strcmp(entry->d_name + n - 5, ".json") != 0) continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", VECTORS_DIR, entry->d_name);
        char *vector = read_file(path);
        CHECK(vector != NULL, path);
        if (!vector) continue;
        cases++;
        char *out = NULL;
        OcStatus status = oc_price_request(vector, &out);
        char *failure = strstr(vector, "\"expect_error\"");
        char what[512];
        if (failure) {
            char want[128], got[128];
            CHECK(status != OC_STATUS_OK, entry->d_name);
            for (size_t k = 0; k < 2; k++) {
                const char *key = k == 0 ? "code" : "field";
                if (!json_string(failure, key, want, sizeof want)) continue;
                int same = out && json_string(out, key, got, sizeof got) && strcmp(want, got) == 0;
                snprintf(what, sizeof what, "%s %s: expected %s", entry->d_name, key, want);
                CHECK(same, what);
            }
        } else {
            CHECK(status == OC_STATUS_OK, entry->d_name);
            char *expect = strstr(vector, "\"expect\"");
            int compared = 0;
            for (size_t k = 0; expect && out && k < sizeof keys / sizeof *keys; k++) {
                char want[64], got[64];
                if (!json_string(expect, keys[k], want, sizeof want)) continue;
                compared++;
                int same = json_string(out, keys[k], got, sizeof got) && strcmp(want, got) == 0;
                snprintf(what, sizeof what, "%s %s: expected %s, got %s", entry->d_name, keys[k], want, same ? want : "something else");
                CHECK(same, what);
            }
            /* Cases that expect no totals (e.g. why a promotion did not apply): every
             * "key": "value" pair they expect (the expectations end the file) must appear in the
             * breakdown. */
            for (const char *at = expect; compared == 0 && out && (at = strstr(at, "\": \"")) != NULL; at += 4) {
                const char *key = at - 1;
                while (key > expect && *key != '"') key--;
                const char *end = strchr(at + 4, '"');
                if (!end) break;
                char pair[256];
                int len = snprintf(pair, sizeof pair, "%.*s:%.*s", (int)(at + 1 - key), key, (int)(end + 1 - (at + 3)), at + 3);
                CHECK(len > 0 && (size_t)len < sizeof pair && strstr(out, pair) != NULL, pair);
            }
            if (compared == 0) compared = strstr(expect, "\": \"") != NULL;
            CHECK(compared > 0, entry->d_name);
        }
        oc_string_free(out);
        free(vector);
    }
    closedir(dir);
    CHECK(cases >= 33, "every case of the shared vectors read");
}

/* The ABI calls the shared engine scenarios do not make (test_engine_vectors.c walks orders,
 * returns, webhooks, ticks and prices through the C ABI): the outbox and its acknowledgement,
 * an answer's JSON in full. */
static void test_outbox(void) {
    OcEngine *engine = new_engine();
    set_stock(engine, "A", 10);
    char command[1024], id[64], value[64];
    char *out = NULL;
    snprintf(command, sizeof command, PLACE_FMT, "c1", "A", 2);
    CHECK(oc_execute(engine, CUSTOMER, command, "checkout-1", &out) == OC_STATUS_OK, "place_order");
    CHECK(out && json_string(out, "id", id, sizeof id), "order id");
    CHECK(out && json_string(out, "grand_total", value, sizeof value) && strcmp(value, "27.50") == 0, "total 27.50");
    oc_string_free(out);
    CHECK(oc_pending_events(engine, 100, &out) == OC_STATUS_OK && strstr(out, "\"type\":\"order_created\""), "events");
    oc_string_free(out);
    CHECK(oc_mark_delivered(engine, "[1,2,3]", NULL) == OC_STATUS_OK, "mark delivered");
    CHECK(oc_pending_events(engine, 100, &out) == OC_STATUS_OK && !strstr(out, "\"position\":1,"), "delivered events leave");
    oc_string_free(out);
    CHECK(oc_set_clock(engine, "2026-07-01T00:00:00Z", NULL) == OC_STATUS_OK, "set clock");
    oc_engine_free(engine);
}

static void test_error_statuses(void) {
    OcEngine *engine = new_engine();
    set_stock(engine, "B", 1);
    char command[1024];
    char *out = NULL;
    snprintf(command, sizeof command, PLACE_FMT, "c1", "B", 2);
    CHECK(oc_execute(engine, CUSTOMER, command, NULL, &out) == OC_STATUS_INSUFFICIENT_STOCK, "insufficient_stock");
    CHECK(out && strstr(out, "\"code\":\"insufficient_stock\"") && strstr(out, "\"available\":1"), "error document");
    oc_string_free(out);
    CHECK(strcmp(oc_status_name(OC_STATUS_INSUFFICIENT_STOCK), "insufficient_stock") == 0, "status name");
    /* Any integer is answered, never undefined behaviour: no status is 55 or -1. */
    CHECK(strcmp(oc_status_name(55), "unknown_status") == 0, "unknown status 55");
    CHECK(strcmp(oc_status_name(-1), "unknown_status") == 0, "unknown status -1");
    CHECK(strcmp(oc_status_name(OC_STATUS_PANIC), "panic") == 0, "status name of the last status");
    snprintf(command, sizeof command, PLACE_FMT, "c1", "B", 0);
    CHECK(oc_execute(engine, CUSTOMER, command, NULL, &out) == OC_STATUS_INVALID_INPUT && strstr(out, "lines[0].quantity"),
          "invalid quantity names the field");
    oc_string_free(out);
    snprintf(command, sizeof command, PLACE_FMT, "someone-else", "B", 1);
    CHECK(oc_execute(engine, CUSTOMER, command, NULL, &out) == OC_STATUS_FORBIDDEN, "forbidden");
    oc_string_free(out);
    CHECK(oc_query(engine, CUSTOMER, "{\"query\":\"get_order\",\"order_id\":\"nope\"}", &out) == OC_STATUS_NOT_FOUND, "not_found");
    oc_string_free(out);
    CHECK(oc_price_request("{\"cart\":{\"currency\":\"USD\",\"lines\":[{\"sku\":\"A\",\"unit_price\":19.99,\"quantity\":1}]}}", &out) ==
              OC_STATUS_INVALID_INPUT && strstr(out, "floating-point"),
          "floats refused");
    oc_string_free(out);
    /* A megabyte of SKU: refused by the limits table, naming the field. */
    const char *prefix = "{\"command\":\"set_stock\",\"on_hand\":1,\"sku\":\"";
    size_t big = 1000000, head = strlen(prefix);
    char *stock = malloc(head + big + 3);
    if (stock) {
        memcpy(stock, prefix, head);
        memset(stock + head, 'x', big);
        memcpy(stock + head + big, "\"}", 3);
        CHECK(oc_execute(engine, "{\"type\":\"staff\",\"id\":\"ops\",\"role\":\"admin\"}", stock, NULL, &out) ==
                  OC_STATUS_LIMIT_EXCEEDED && strstr(out, "\"field\":\"sku\""),
              "a megabyte sku is limit_exceeded naming sku");
        oc_string_free(out);
        free(stock);
    }
    oc_engine_free(engine);
}

/* Every function with NULL, invalid UTF-8 and malformed JSON: a status, never a crash. */
static void test_bad_input_everywhere(void) {
    OcEngine *engine = new_engine();
    const char bad_utf8[] = {(char)0xff, (char)0xfe, 0};
    char *out = NULL;
    OcEngine *none = NULL;
    CHECK(oc_engine_new(NULL, &none, &out) == OC_STATUS_NULL_POINTER && none == NULL, "engine_new NULL config");
    oc_string_free(out);
    CHECK(oc_engine_new("{}", NULL, NULL) == OC_STATUS_NULL_POINTER, "engine_new NULL out");
    CHECK(oc_engine_new(bad_utf8, &none, &out) == OC_STATUS_INVALID_UTF8, "engine_new bad utf8");
    oc_string_free(out);
    CHECK(oc_engine_new("{not json", &none, &out) == OC_STATUS_INVALID_INPUT && strstr(out, "\"field\":\"config\""), "engine_new bad json");
    oc_string_free(out);
    CHECK(oc_execute(NULL, ADMIN, "{}", NULL, &out) == OC_STATUS_NULL_POINTER, "execute NULL engine");
    oc_string_free(out);
    CHECK(oc_execute(engine, NULL, "{}", NULL, &out) == OC_STATUS_NULL_POINTER, "execute NULL actor");
    oc_string_free(out);
    CHECK(oc_execute(engine, ADMIN, "{}", NULL, NULL) == OC_STATUS_NULL_POINTER, "execute NULL out");
    CHECK(oc_execute(engine, ADMIN, bad_utf8, NULL, &out) == OC_STATUS_INVALID_UTF8, "execute bad utf8");
    oc_string_free(out);
    CHECK(oc_execute(engine, ADMIN, "[1,2", NULL, &out) == OC_STATUS_INVALID_INPUT, "execute bad json");
    oc_string_free(out);
    CHECK(oc_execute(engine, "{\"type\":\"alien\"}", "{\"command\":\"tick\"}", NULL, &out) == OC_STATUS_INVALID_INPUT, "bad actor");
    oc_string_free(out);
    CHECK(oc_query(engine, ADMIN, NULL, &out) == OC_STATUS_NULL_POINTER, "query NULL");
    oc_string_free(out);
    CHECK(oc_query(engine, ADMIN, "{\"query\":\"warp\"}", &out) == OC_STATUS_INVALID_INPUT, "query unknown");
    oc_string_free(out);
    CHECK(oc_tick(engine, NULL, &out) == OC_STATUS_NULL_POINTER, "tick NULL");
    oc_string_free(out);
    CHECK(oc_tick(engine, CUSTOMER, &out) == OC_STATUS_FORBIDDEN, "tick forbidden");
    oc_string_free(out);
    CHECK(oc_price(engine, NULL, "{}", &out) == OC_STATUS_NULL_POINTER, "price NULL");
    oc_string_free(out);
    CHECK(oc_price(engine, "{\"currency\":\"XXQ\",\"lines\":[]}", "{}", &out) == OC_STATUS_UNKNOWN_CURRENCY, "price unknown currency");
    oc_string_free(out);
    CHECK(oc_price_request(NULL, &out) == OC_STATUS_NULL_POINTER, "price_request NULL");
    oc_string_free(out);
    CHECK(oc_price_request(bad_utf8, &out) == OC_STATUS_INVALID_UTF8, "price_request bad utf8");
    oc_string_free(out);
    CHECK(oc_pending_events(NULL, 10, &out) == OC_STATUS_NULL_POINTER, "pending_events NULL");
    oc_string_free(out);
    CHECK(oc_mark_delivered(engine, "nope", NULL) == OC_STATUS_INVALID_INPUT, "mark_delivered bad json");
    CHECK(oc_mark_delivered(engine, NULL, NULL) == OC_STATUS_NULL_POINTER, "mark_delivered NULL");
    CHECK(oc_set_clock(engine, "yesterday", NULL) == OC_STATUS_INVALID_INPUT, "set_clock bad instant");
    CHECK(oc_set_clock(NULL, "2026-01-01T00:00:00Z", NULL) == OC_STATUS_NULL_POINTER, "set_clock NULL");
    CHECK(oc_verify_webhook(engine, NULL, "{}", 0, "00", NULL) == OC_STATUS_NULL_POINTER, "verify_webhook NULL");
    CHECK(oc_verify_webhook(engine, "s", bad_utf8, 0, "00", NULL) == OC_STATUS_INVALID_UTF8, "verify_webhook bad utf8");
    CHECK(oc_verify_webhook(engine, "s", "{}", 0, "not hex", NULL) == OC_STATUS_INVALID_SIGNATURE, "verify_webhook bad hex");
    oc_string_free(NULL);
    oc_engine_free(NULL);
    CHECK(oc_version() != NULL && strstr(oc_version(), "ordercore"), "version");
    oc_engine_free(engine);
}

/* One handle, four threads racing for 40 units: exactly 40 orders succeed. */
static OcEngine *shared;
static int wins[4];

static void *checkout_worker(void *arg) {
    int t = *(int *)arg;
    char command[1024], customer[64], actor[128];
    for (int i = 0; i < 25; i++) {
        snprintf(customer, sizeof customer, "t%d-%d", t, i);
        snprintf(actor, sizeof actor, "{\"type\":\"customer\",\"id\":\"%s\"}", customer);
        snprintf(command, sizeof command, PLACE_FMT, customer, "A", 1);
        char *out = NULL;
        if (oc_execute(shared, actor, command, NULL, &out) == OC_STATUS_OK) wins[t]++;
        oc_string_free(out);
    }
    return NULL;
}

static void test_threads(void) {
    shared = new_engine();
    set_stock(shared, "A", 40);
    pthread_t threads[4];
    int ids[4] = {0, 1, 2, 3};
    for (int t = 0; t < 4; t++) pthread_create(&threads[t], NULL, checkout_worker, &ids[t]);
    for (int t = 0; t < 4; t++) pthread_join(threads[t], NULL);
    CHECK(wins[0] + wins[1] + wins[2] + wins[3] == 40, "exactly the stock is sold across threads");
    char *out = NULL;
    CHECK(oc_query(shared, ADMIN, "{\"query\":\"stock_levels\",\"sku\":\"A\"}", &out) == OC_STATUS_OK &&
              strstr(out, "\"on_hand\":40,\"reserved\":40"),
          "40 reserved, none oversold");
    oc_string_free(out);
    oc_engine_free(shared);
}

/* The same engine on a store written in C: lifecycle, idempotency, races, failures. */
static void test_c_store(void) {
    MemoryStore ms;
    OcPlugins plugins = {.store = memory_store_host(&ms)};
    OcEngine *engine = NULL;
    char *out = NULL;
    CHECK(oc_engine_new_with_plugins(CONFIG, &plugins, &engine, &out) == OC_STATUS_OK && engine, "engine on a C store");
    oc_string_free(out);
    set_stock(engine, "A", 10);
    char command[1024], id[64] = "";
    snprintf(command, sizeof command, PLACE_FMT, "c1", "A", 2);
    CHECK(oc_execute(engine, CUSTOMER, command, "c-store-1", &out) == OC_STATUS_OK && json_string(out, "id", id, sizeof id),
          "place on the C store");
    oc_string_free(out);
    CHECK(oc_execute(engine, CUSTOMER, command, "c-store-1", &out) == OC_STATUS_OK && strstr(out, id), "replayed from the C store");
    oc_string_free(out);
    CHECK(ms.n_records == 1, "one idempotency record");
    snprintf(command, sizeof command, "{\"command\":\"ship_order\",\"order_id\":\"%s\"}", id);
    CHECK(oc_execute(engine, ADMIN, command, NULL, &out) == OC_STATUS_OK, "ship on the C store");
    oc_string_free(out);
    Doc *stock = find_doc(&ms, "stock", "A@main");
    CHECK(stock && stock->version == 1, "the stock's settings written once, by set_stock");
    CHECK(counter_value(&ms, "available/A@main") == 8 && counter_value(&ms, "reserved/A@main") == 0,
          "stock counters set, reserved, shipped");
    Doc *order = find_doc(&ms, "order", id);
    CHECK(order && strcmp(order->state, "shipped") == 0 && strcmp(order->customer, "c1") == 0, "order index fields");
    CHECK(oc_query(engine, CUSTOMER, "{\"query\":\"list_orders\"}", &out) == OC_STATUS_OK && strstr(out, id), "list from the C store");
    oc_string_free(out);
    CHECK(oc_tick(engine, SYSTEM, &out) == OC_STATUS_OK, "tick on the C store");
    oc_string_free(out);
    CHECK(oc_pending_events(engine, 3, &out) == OC_STATUS_OK && strstr(out, "\"position\":3"), "events from the C store");
    oc_string_free(out);
    ms.fail_loads = 1;
    CHECK(oc_query(engine, CUSTOMER, "{\"query\":\"get_order\",\"order_id\":\"x\"}", &out) == OC_STATUS_PROVIDER_ERROR &&
              strstr(out, "store"),
          "a failing store is a provider_error");
    oc_string_free(out);
    ms.fail_loads = 0;
    oc_engine_free(engine);

    /* Races on the C store: its versions keep the stock exact. */
    shared = NULL;
    MemoryStore race_store;
    OcPlugins race_plugins = {.store = memory_store_host(&race_store)};
    CHECK(oc_engine_new_with_plugins(CONFIG, &race_plugins, &shared, NULL) == OC_STATUS_OK, "race engine");
    set_stock(shared, "A", 40);
    memset(wins, 0, sizeof wins);
    pthread_t threads[4];
    int ids[4] = {0, 1, 2, 3};
    for (int t = 0; t < 4; t++) pthread_create(&threads[t], NULL, checkout_worker, &ids[t]);
    for (int t = 0; t < 4; t++) pthread_join(threads[t], NULL);
    CHECK(wins[0] + wins[1] + wins[2] + wins[3] == 40, "exactly the stock is sold on the C store");
    oc_engine_free(shared);
    memory_store_free(&race_store);

    CHECK(oc_engine_new_with_plugins(CONFIG, NULL, &engine, &out) == OC_STATUS_NULL_POINTER, "a NULL table is refused");
    oc_string_free(out);
    memory_store_free(&ms);
}

/* A payment gateway written in C: it declines every card, says what it was asked, and garbles
 * its answer when told to. */
typedef struct Gateway {
    int calls, garble;
    char last_operation[64];
} Gateway;

static int32_t decline(void *data, const char *method, const char *request_json, char **out) {
    Gateway *g = data;
    g->calls++;
    if (strcmp(method, "execute") != 0) return OC_STATUS_INVALID_INPUT;
    json_string(request_json, "operation", g->last_operation, sizeof g->last_operation);
    *out = strdup(g->garble ? "{\"status\": 7}" : "{\"status\":\"declined\",\"reason\":\"card_declined\"}");
    return OC_STATUS_OK;
}

static void test_c_gateway(void) {
    Gateway gateway = {0};
    OcPlugins plugins = {.gateway = {.user_data = &gateway, .call = decline}};
    OcEngine *engine = NULL;
    char *out = NULL, command[1024];
    CHECK(oc_engine_new_with_plugins(CONFIG, &plugins, &engine, NULL) == OC_STATUS_OK, "engine with a C gateway");
    set_stock(engine, "A", 5);
    snprintf(command, sizeof command, PLACE_FMT, "c1", "A", 1);
    CHECK(oc_execute(engine, CUSTOMER, command, NULL, &out) == OC_STATUS_PAYMENT_DECLINED && strstr(out, "card_declined"),
          "the C gateway's decline is payment_declined");
    oc_string_free(out);
    CHECK(gateway.calls == 1 && strcmp(gateway.last_operation, "authorize_and_capture") == 0, "asked to capture once");
    gateway.garble = 1;
    CHECK(oc_execute(engine, CUSTOMER, command, NULL, &out) == OC_STATUS_PROVIDER_ERROR && strstr(out, "gateway"),
          "an unreadable answer is a provider_error naming the gateway");
    oc_string_free(out);
    CHECK(oc_query(engine, ADMIN, "{\"query\":\"stock_levels\",\"sku\":\"A\"}", &out) == OC_STATUS_OK &&
              strstr(out, "\"reserved\":1"),
          "the declined checkout reserved nothing; the unanswered one holds its unit for a retry");
    oc_string_free(out);
    oc_engine_free(engine);
}

int main(void) {
    test_shared_vectors();
    test_outbox();
    test_error_statuses();
    test_bad_input_everywhere();
    test_threads();
    test_c_store();
    test_c_gateway();
    printf("c: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
