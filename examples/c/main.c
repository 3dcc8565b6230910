/*
 * ordercore from C: place an order and walk it through pay → ship → deliver, printing the
 * price breakdown's totals and the events. Build and run (from the repository root):
 *
 *   cargo build -p ordercore-ffi && make -C examples/c run
 */
#include <stdio.h>
#include <string.h>

#include "ordercore.h"

static const char *ADMIN = "{\"type\":\"staff\",\"id\":\"ops\",\"role\":\"admin\"}";
static const char *CUSTOMER = "{\"type\":\"customer\",\"id\":\"cust-42\"}";

/* Prints the string value of "key" in a JSON text (enough for a demo; use a JSON library in
 * real code). */
static void print_field(const char *json, const char *key) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    const char *at = strstr(json, pattern);
    if (!at) return;
    at += strlen(pattern);
    const char *end = strchr(at, '"');
    printf("  %-15s %.*s\n", key, (int)(end - at), at);
}

static int run(OcEngine *engine, const char *actor, const char *command, char **out) {
    OcStatus status = oc_execute(engine, actor, command, NULL, out);
    if (status != OC_STATUS_OK) {
        fprintf(stderr, "%s failed (%s): %s\n", command, oc_status_name(status), *out ? *out : "");
        return 0;
    }
    return 1;
}

int main(void) {
    const char *config =
        "{\"products\":[{\"sku\":\"TEE\",\"name\":\"T-shirt\",\"unit_price\":\"19.99\"},"
        "{\"sku\":\"MUG\",\"name\":\"Mug\",\"unit_price\":\"8.25\"}],"
        "\"promotions\":[{\"id\":\"spring-10\",\"effect\":{\"type\":\"percentage\",\"percentage\":\"10\"}}],"
        "\"tax_rules\":[{\"id\":\"us-ca\",\"name\":\"CA\",\"country\":\"US\",\"region\":\"CA\",\"percentage\":\"7.25\"}]}";
    OcEngine *engine = NULL;
    char *out = NULL;
    if (oc_engine_new(config, &engine, &out) != OC_STATUS_OK) {
        fprintf(stderr, "engine: %s\n", out);
        oc_string_free(out);
        return 1;
    }
    int ok = run(engine, ADMIN, "{\"command\":\"set_stock\",\"sku\":\"TEE\",\"on_hand\":10}", &out);
    oc_string_free(out);
    ok = ok && run(engine, ADMIN, "{\"command\":\"set_stock\",\"sku\":\"MUG\",\"on_hand\":5}", &out);
    oc_string_free(out);

    const char *place =
        "{\"command\":\"place_order\",\"customer_id\":\"cust-42\","
        "\"lines\":[{\"sku\":\"TEE\",\"quantity\":2},{\"sku\":\"MUG\",\"quantity\":1}],"
        "\"shipping_address\":{\"name\":\"Ada Lovelace\",\"line1\":\"1 Market St\",\"city\":\"San Francisco\","
        "\"region\":\"CA\",\"postal_code\":\"94103\",\"country\":\"US\"},"
        "\"shipping_option\":\"standard\",\"payment\":{\"method\":\"card\",\"capture\":true}}";
    char order_id[64] = "";
    if (ok && (ok = run(engine, CUSTOMER, place, &out))) {
        const char *id = strstr(out, "\"id\":\"") + 6;
        snprintf(order_id, sizeof order_id, "%.*s", (int)(strchr(id, '"') - id), id);
        printf("placed %s\n", order_id);
        const char *pricing = strstr(out, "\"pricing\"");
        const char *keys[] = {"subtotal", "discount_total", "shipping_total", "tax_total", "grand_total"};
        for (int k = 0; k < 5; k++) print_field(pricing + strlen("\"pricing\""), keys[k]);
        print_field(out, "state_label");
    }
    oc_string_free(out);
    const char *steps[] = {"ship_order", "deliver_order"};
    for (int s = 0; ok && s < 2; s++) {
        char command[256];
        snprintf(command, sizeof command, "{\"command\":\"%s\",\"order_id\":\"%s\"}", steps[s], order_id);
        ok = run(engine, ADMIN, command, &out);
        if (ok) printf("%s → ", steps[s]), print_field(out, "state_label");
        oc_string_free(out);
    }
    if (ok && oc_pending_events(engine, 100, &out) == OC_STATUS_OK) {
        printf("events:\n");
        for (const char *at = strstr(out, "\"type\":\""); at; at = strstr(at + 1, "\"type\":\"")) {
            const char *name = at + 8;
            printf("  %.*s\n", (int)(strchr(name, '"') - name), name);
        }
    }
    oc_string_free(out);
    oc_engine_free(engine);
    return ok ? 0 : 1;
}
