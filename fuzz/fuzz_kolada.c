/*
 * fuzz_kolada.c - libFuzzer harness for the Kolada reference reader
 * (reference_load with format kolada, src/reference.c, over jansson).
 *
 * The input is the file.  The reference is built by hand as a rule file
 * would declare it: a KPI map, a source map, scale 0.01, gender "T".
 * jansson itself is the system library (not instrumented); what is fuzzed
 * is kvalrap's walk over whatever tree jansson returns.
 *
 * Invariants:
 *   - the status is 0 or 65 (the file exists), with a message when it is 65;
 *   - on 0: info says json/utf-8, rows == accepted == the number of values
 *     added; every row names one of our KPI ids (the map's right-hand side),
 *     a non-empty source and a period shorter than 32 bytes, all valid C
 *     strings; values are finite (the JSON numbers were);
 *   - no crash, no undefined behaviour, no leak.
 */
#include "fuzz_common.h"

#include <math.h>
#include <string.h>

#include "reference.h"
#include "rules.h"
#include "util.h"

static const value_map kpis[] = {
    {"U00000", "deviations_reported"},
    {"U00001", "deviations_closed_on_time"},
    {"U00002", "andel_genomforda_forslag"},
    {"N00945", "documents_revised_within"},
};
static const value_map sources[] = {
    {"1784", "Arvika (Kolada)"},
    {"0017", "Värmlands län (Kolada)"},
    {"0000", "Riket (Kolada)"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_as_file(data, size);
    rules_reference ref;
    memset(&ref, 0, sizeof ref);
    ref.format = REF_KOLADA;
    ingest_config_init(&ref.ingest, "references", path);
    ref.ingest.name = "kolada.json";
    ref.kpis = kpis;
    ref.nkpis = sizeof kpis / sizeof kpis[0];
    ref.sources = sources;
    ref.nsources = sizeof sources / sizeof sources[0];
    ref.scale = 0.01;
    ref.gender = "T";

    arena mem = {0};
    reject_log log = {.mem = &mem};
    ref_list refs = {.mem = &mem};
    input_file info;
    memset(&info, 0, sizeof info);
    char err[600] = "";
    int rc = reference_load(&ref, &log, &refs, &info, err, sizeof err);

    FUZZ_CHECK(rc == 0 || rc == 65, "status %d for a file that exists: %s", rc, err);
    FUZZ_CHECK(log.n == 0, "the JSON reader logged %zu CSV rejects", log.n);
    if (rc == 0) {
        FUZZ_CHECK(strcmp(info.encoding, "utf-8") == 0 && strcmp(info.delimiter_name, "json") == 0,
                   "info says %s / %s", info.encoding, info.delimiter_name);
        FUZZ_CHECK(info.rows == (long)refs.n && info.accepted == (long)refs.n,
                   "info counts %ld rows, %ld accepted; %zu values read", info.rows, info.accepted, refs.n);
        for (size_t i = 0; i < refs.n; i++) {
            const ref_row *r = &refs.v[i];
            bool ours = false;
            for (size_t k = 0; k < ref.nkpis; k++)
                ours |= strcmp(r->kpi, kpis[k].to) == 0;
            FUZZ_CHECK(ours, "row %zu names KPI \"%s\", not one of ours", i, r->kpi);
            FUZZ_CHECK(r->source && r->source[0], "row %zu has no source", i);
            FUZZ_CHECK(r->period && strlen(r->period) < 32, "row %zu has a bad period", i);
#ifdef FUZZ_KNOWN_FINDINGS
            if (isinf(r->value))
                continue;       /* finding 4 of fuzz/README.md */
#endif
            FUZZ_CHECK(isfinite(r->value), "row %zu (%s, %s, %s): value %g is not finite", i, r->kpi, r->source,
                       r->period, r->value);
        }
    } else {
        FUZZ_CHECK(err[0] != '\0', "refused without a message");
    }
    ref_list_free(&refs);
    reject_log_free(&log);
    arena_free(&mem);
    return 0;
}
