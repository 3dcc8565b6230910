/* The shared engine scenarios (tests/vectors/engine, format in tests/vectors/README.md)
 * replayed through the C ABI: the same files the Rust, Python and Node suites replay. JSON is
 * read with cJSON (Debian's libcjson) and compared structurally: objects by the keys written,
 * arrays element by element, decimal strings by value. */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ordercore.h"

#ifndef SCENARIOS_DIR
#error "compile with -DSCENARIOS_DIR=\"…/tests/vectors/engine\""
#endif

static const char *ADMIN = "{\"type\":\"staff\",\"id\":\"ops\",\"role\":\"admin\"}";

/* Values saved by earlier steps ("save": {"order": "/id"}), used as "$order". */
#define MAX_SAVED 64
static char *saved_names[MAX_SAVED];
static cJSON *saved_values[MAX_SAVED];
static int saved_count;

static void forget_saved(void) {
    for (int i = 0; i < saved_count; i++) {
        free(saved_names[i]);
        cJSON_Delete(saved_values[i]);
    }
    saved_count = 0;
}

static const cJSON *lookup_saved(const char *name) {
    for (int i = 0; i < saved_count; i++) {
        if (strcmp(saved_names[i], name) == 0) return saved_values[i];
    }
    return NULL;
}

static void save(const char *name, const cJSON *value) {
    /* A name saved again stands for the newer value. */
    for (int i = 0; i < saved_count; i++) {
        if (strcmp(saved_names[i], name) == 0) {
            cJSON_Delete(saved_values[i]);
            saved_values[i] = cJSON_Duplicate(value, 1);
            return;
        }
    }
    if (saved_count == MAX_SAVED) return;
    size_t n = strlen(name) + 1;
    saved_names[saved_count] = malloc(n);
    if (!saved_names[saved_count]) return;
    memcpy(saved_names[saved_count], name, n);
    saved_values[saved_count] = cJSON_Duplicate(value, 1);
    saved_count++;
}

/* A copy of `value` with every string "$name" replaced by what was saved under `name`. */
static cJSON *substitute(const cJSON *value) {
    if (cJSON_IsString(value) && value->valuestring[0] == '$') {
        const cJSON *found = lookup_saved(value->valuestring + 1);
        if (found) return cJSON_Duplicate(found, 1);
    }
    if (!cJSON_IsArray(value) && !cJSON_IsObject(value)) return cJSON_Duplicate(value, 1);
    cJSON *copy = cJSON_IsArray(value) ? cJSON_CreateArray() : cJSON_CreateObject();
    const cJSON *child;
    cJSON_ArrayForEach(child, value) {
        if (cJSON_IsArray(value)) cJSON_AddItemToArray(copy, substitute(child));
        else cJSON_AddItemToObject(copy, child->string, substitute(child));
    }
    return copy;
}

/* A decimal's text without trailing zeros ("5.00" and "5" are one amount); 0 if not decimal. */
static int canonical(const char *text, char *out, size_t size) {
    size_t n = strlen(text), i = 0, dot = n;
    if (n == 0 || n >= size) return 0;
    if (text[0] == '-') i = 1;
    if (i == n) return 0;
    for (size_t j = i; j < n; j++) {
        if (text[j] == '.' && dot == n && j > i && j + 1 < n) dot = j;
        else if (text[j] < '0' || text[j] > '9') return 0;
    }
    memcpy(out, text, n + 1);
    if (dot < n) {
        size_t end = n;
        while (end > dot + 1 && out[end - 1] == '0') end--;
        if (end == dot + 1) end = dot;
        out[end] = '\0';
    }
    return 1;
}

static int same_scalar(const cJSON *want, const cJSON *have) {
    if (cJSON_IsString(want) && cJSON_IsString(have)) {
        if (strcmp(want->valuestring, have->valuestring) == 0) return 1;
        char a[128], b[128];
        return canonical(want->valuestring, a, sizeof a) && canonical(have->valuestring, b, sizeof b) &&
               strcmp(a, b) == 0;
    }
    if (cJSON_IsNumber(want) && cJSON_IsNumber(have)) return want->valuedouble == have->valuedouble;
    if (cJSON_IsBool(want) && cJSON_IsBool(have)) return cJSON_IsTrue(want) == cJSON_IsTrue(have);
    if (cJSON_IsNull(want)) return have == NULL || cJSON_IsNull(have);
    return 0;
}

/* Whether `have` contains `want`; on a difference, says where in `why`. */
static int contains(const cJSON *want, const cJSON *have, const char *path, char *why, size_t size) {
    char at[512];
    if (cJSON_IsObject(want)) {
        if (!cJSON_IsObject(have)) return snprintf(why, size, "%s: expected an object", path), 0;
        const cJSON *child;
        cJSON_ArrayForEach(child, want) {
            snprintf(at, sizeof at, "%s.%s", path, child->string);
            if (!contains(child, cJSON_GetObjectItemCaseSensitive(have, child->string), at, why, size)) return 0;
        }
        return 1;
    }
    if (cJSON_IsArray(want)) {
        if (!cJSON_IsArray(have) || cJSON_GetArraySize(want) != cJSON_GetArraySize(have)) {
            return snprintf(why, size, "%s: expected %d elements", path, cJSON_GetArraySize(want)), 0;
        }
        for (int i = 0; i < cJSON_GetArraySize(want); i++) {
            snprintf(at, sizeof at, "%s[%d]", path, i);
            if (!contains(cJSON_GetArrayItem(want, i), cJSON_GetArrayItem(have, i), at, why, size)) return 0;
        }
        return 1;
    }
    if (same_scalar(want, have)) return 1;
    char *w = cJSON_PrintUnformatted(want), *h = have ? cJSON_PrintUnformatted(have) : NULL;
    snprintf(why, size, "%s: expected %s, got %.200s", path, w ? w : "?", h ? h : "nothing");
    free(w);
    free(h);
    return 0;
}

/* What an error document must contain: the expectation's details, code and field. */
static int error_matches(const cJSON *expect, const char *document, char *why, size_t size) {
    cJSON *want = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(expect, "details"), 1);
    if (!want) want = cJSON_CreateObject();
    cJSON_AddItemToObject(want, "code", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(expect, "code"), 1));
    const cJSON *field = cJSON_GetObjectItemCaseSensitive(expect, "field");
    if (field) cJSON_AddItemToObject(want, "field", cJSON_Duplicate(field, 1));
    cJSON *have = cJSON_Parse(document ? document : "null");
    int ok = contains(want, have, "error", why, size);
    cJSON_Delete(want);
    cJSON_Delete(have);
    return ok;
}

static const cJSON *pointer(const cJSON *value, const char *path) {
    char token[256];
    while (value && *path == '/') {
        const char *end = strchr(path + 1, '/');
        size_t n = end ? (size_t)(end - path - 1) : strlen(path + 1);
        if (n >= sizeof token) return NULL;
        memcpy(token, path + 1, n);
        token[n] = '\0';
        value = cJSON_IsArray(value) ? cJSON_GetArrayItem(value, atoi(token))
                                      : cJSON_GetObjectItemCaseSensitive(value, token);
        path += n + 1;
    }
    return value;
}

/* Every error code the corpus expects (checked against the C statuses at the end). */
#define MAX_CODES 64
static char *codes_expected[MAX_CODES];
static int codes_count;

static void note_code(const char *code) {
    for (int i = 0; i < codes_count; i++) {
        if (strcmp(codes_expected[i], code) == 0) return;
    }
    if (codes_count == MAX_CODES) return;
    size_t n = strlen(code) + 1;
    codes_expected[codes_count] = malloc(n);
    if (!codes_expected[codes_count]) return;
    memcpy(codes_expected[codes_count++], code, n);
}

/* The expected error: the status is the code's (its name is the code) and the document
 * contains what is written. */
static int error_expected(const cJSON *expect, enum OcStatus status, const char *document, char *why,
                          size_t size) {
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(expect, "code");
    if (!cJSON_IsString(code)) return snprintf(why, size, "an expected error needs a code"), 0;
    note_code(code->valuestring);
    if (strcmp(oc_status_name(status), code->valuestring) != 0) {
        snprintf(why, size, "status %s for code %s", oc_status_name(status), code->valuestring);
        return 0;
    }
    return error_matches(expect, document, why, size);
}

static char *print(const cJSON *value) { return value ? cJSON_PrintUnformatted(value) : NULL; }

/* Sends the step's call as `actor`; *asked = 0 when the step only moves the clock. */
static enum OcStatus ask(OcEngine *engine, const cJSON *step, const char *actor, char **out, int *asked) {
    const cJSON *command = cJSON_GetObjectItemCaseSensitive(step, "command");
    const cJSON *query = cJSON_GetObjectItemCaseSensitive(step, "query");
    const cJSON *key = cJSON_GetObjectItemCaseSensitive(step, "key");
    const cJSON *price = cJSON_GetObjectItemCaseSensitive(step, "price");
    const cJSON *hook = cJSON_GetObjectItemCaseSensitive(step, "webhook");
    enum OcStatus status = OC_STATUS_OK;
    *asked = 1;
    if (command || query || price) {
        cJSON *document = substitute(command ? command : query ? query : price);
        char *text = print(document);
        if (command) status = oc_execute(engine, actor, text, cJSON_IsString(key) ? key->valuestring : NULL, out);
        else if (query) status = oc_query(engine, actor, text, out);
        else {
            char *cart = print(cJSON_GetObjectItemCaseSensitive(document, "cart"));
            char *context = print(cJSON_GetObjectItemCaseSensitive(document, "context"));
            status = oc_price(engine, cart, context ? context : "", out);
            free(cart);
            free(context);
        }
        free(text);
        cJSON_Delete(document);
    } else if (hook) {
        const cJSON *timestamp = cJSON_GetObjectItemCaseSensitive(hook, "timestamp");
        status = oc_verify_webhook(engine, cJSON_GetObjectItemCaseSensitive(hook, "secret")->valuestring,
                                   cJSON_GetObjectItemCaseSensitive(hook, "payload")->valuestring,
                                   (int64_t)timestamp->valuedouble,
                                   cJSON_GetObjectItemCaseSensitive(hook, "signature")->valuestring, out);
    } else if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(step, "tick"))) {
        status = oc_tick(engine, actor, out);
    } else {
        *asked = 0;
    }
    return status;
}

/* Runs one step; 1 if it answered as written. */
static int run_step(OcEngine *engine, const cJSON *step, char *why, size_t size) {
    const cJSON *clock = cJSON_GetObjectItemCaseSensitive(step, "clock");
    char *out = NULL;
    if (cJSON_IsString(clock) && oc_set_clock(engine, clock->valuestring, &out) != OC_STATUS_OK) {
        snprintf(why, size, "set_clock: %s", out ? out : "");
        oc_string_free(out);
        return 0;
    }
    const cJSON *actor_doc = cJSON_GetObjectItemCaseSensitive(step, "actor");
    cJSON *actor_json = actor_doc ? substitute(actor_doc) : cJSON_Parse(ADMIN);
    char *actor = cJSON_PrintUnformatted(actor_json);
    int asked = 0;
    enum OcStatus status = ask(engine, step, actor, &out, &asked);
    free(actor);
    cJSON_Delete(actor_json);
    if (!asked) return 1;
    const cJSON *expect = cJSON_GetObjectItemCaseSensitive(step, "expect");
    const cJSON *want_ok = cJSON_GetObjectItemCaseSensitive(expect, "ok");
    const cJSON *want_error = cJSON_GetObjectItemCaseSensitive(expect, "error");
    int ok = 1;
    if (status != OC_STATUS_OK) {
        if (want_error) ok = error_expected(want_error, status, out, why, size);
        else ok = 0, snprintf(why, size, "unexpected %s: %.300s", oc_status_name(status), out ? out : "");
    } else if (want_error) {
        ok = 0;
        snprintf(why, size, "expected an error, got %.200s", out ? out : "");
    } else {
        /* A verified webhook answers nothing: null. */
        cJSON *answer = out ? cJSON_Parse(out) : cJSON_CreateNull();
        /* Commands and queries answer {type, value}; a tick its report, a price its breakdown. */
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(answer, "value");
        if (!value) value = answer;
        if (want_ok) {
            cJSON *want = substitute(want_ok);
            ok = contains(want, value, "$", why, size);
            cJSON_Delete(want);
        }
        const cJSON *names = cJSON_GetObjectItemCaseSensitive(step, "save");
        const cJSON *name;
        cJSON_ArrayForEach(name, names) {
            const cJSON *part = pointer(value, name->valuestring);
            if (part) save(name->string, part);
        }
        cJSON_Delete(answer);
    }
    oc_string_free(out);
    return ok;
}

static char *read_file(const char *path) {
    FILE *file = fopen(path, "rb");
    if (!file) return NULL;
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    rewind(file);
    char *text = malloc((size_t)size + 1);
    if (text && fread(text, 1, (size_t)size, file) == (size_t)size) text[size] = '\0';
    else free(text), text = NULL;
    fclose(file);
    return text;
}

/* Replays one scenario file; 1 if every step answered as written. */
static int run_scenario(const char *path, char *why, size_t size) {
    char *text = read_file(path);
    cJSON *scenario = text ? cJSON_Parse(text) : NULL;
    free(text);
    if (!scenario) return snprintf(why, size, "unreadable"), 0;
    char *config = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(scenario, "engine"));
    const cJSON *build_error = cJSON_GetObjectItemCaseSensitive(scenario, "build_error");
    OcEngine *engine = NULL;
    char *error = NULL;
    enum OcStatus status = oc_engine_new(config, &engine, &error);
    free(config);
    int ok = 1;
    if (build_error) {
        ok = status != OC_STATUS_OK && error_expected(build_error, status, error, why, size);
        if (status == OC_STATUS_OK) snprintf(why, size, "the engine built");
    } else if (status != OC_STATUS_OK) {
        ok = 0;
        snprintf(why, size, "the engine did not build: %s", error ? error : "");
    } else {
        const cJSON *step;
        int i = 0;
        cJSON_ArrayForEach(step, cJSON_GetObjectItemCaseSensitive(scenario, "steps")) {
            char detail[768];
            if (!run_step(engine, step, detail, sizeof detail)) {
                snprintf(why, size, "step %d: %s", i, detail);
                ok = 0;
                break;
            }
            i++;
        }
    }
    oc_string_free(error);
    oc_engine_free(engine);
    forget_saved();
    cJSON_Delete(scenario);
    return ok;
}

int main(void) {
    DIR *dir = opendir(SCENARIOS_DIR);
    if (!dir) {
        fprintf(stderr, "no scenarios at %s\n", SCENARIOS_DIR);
        return 1;
    }
    int passed = 0, failed = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        size_t n = strlen(entry->d_name);
        if (n < 6 || strcmp(entry->d_name + n - 5, ".json") != 0) continue;
        char path[1024], why[1024] = "";
        snprintf(path, sizeof path, "%s/%s", SCENARIOS_DIR, entry->d_name);
        if (run_scenario(path, why, sizeof why)) {
            passed++;
        } else {
            failed++;
            fprintf(stderr, "FAIL %s: %s\n", entry->d_name, why);
        }
    }
    closedir(dir);
    /* Every code of the core (the statuses from 1 up to the first unknown one) is expected
     * somewhere in the corpus, and each expectation above checked the status of its code. */
    for (int status = 1; strcmp(oc_status_name(status), "unknown_status") != 0 && status < 100; status++) {
        int found = 0;
        for (int i = 0; i < codes_count; i++) found |= strcmp(codes_expected[i], oc_status_name(status)) == 0;
        if (found) {
            passed++;
        } else {
            failed++;
            fprintf(stderr, "FAIL no scenario raises %s\n", oc_status_name(status));
        }
    }
    for (int i = 0; i < codes_count; i++) free(codes_expected[i]);
    printf("c engine scenarios: %d passed, %d failed\n", passed, failed);
    return failed == 0 && passed > 0 ? 0 : 1;
}
