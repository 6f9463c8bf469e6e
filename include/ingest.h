/*
 * ingest.h - reading one CSV export into a table, by the reading rules of
 * spec §1: encoding (UTF-8 with or without BOM, UTF-16 with BOM,
 * Windows-1252, ISO-8859-1), delimiter, header mapping, typed values and
 * rejected rows.  libcsv does the CSV grammar; iconv the encodings.
 */
#ifndef KV_INGEST_H
#define KV_INGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "date.h"
#include "model.h"
#include "schema.h"
#include "table.h"
#include "util.h"

typedef struct {
    const char *from;   /* the system's word, matched ignoring case */
    const char *to;     /* the canonical word */
} value_map;

typedef struct {
    const char *dataset;        /* "deviations" */
    const char *path;           /* file to open */
    const char *name;           /* how messages and rejects.csv name it */
    const char *encoding;       /* NULL or "auto" to detect */
    char delimiter;             /* 0 to detect */
    int header_line;            /* physical line of the header; 0 means 1 */
    date_pattern dates;
    const char *columns[SCHEMA_MAX_FIELDS];   /* export header per field; NULL = the canonical name */
    size_t nmaps[SCHEMA_MAX_FIELDS];
    const value_map *maps[SCHEMA_MAX_FIELDS];
    /* When the SHA-256 of the bytes is made: beside the parsing (sha256
     * filled on return), after it on a thread of its own (sha256 filled by
     * ingest_hash_wait), or not at all (kvalrap read shows none). */
    enum { HASH_BESIDE, HASH_AFTER, HASH_NONE } hash;
} ingest_config;

/* Rejects of a whole run; strings live in *mem (the report's arena). */
typedef struct {
    arena *mem;
    reject *v;
    size_t n, cap;
    long rows;                  /* distinct rejected rows */
} reject_log;

void reject_log_free(reject_log *log);   /* frees v, not *mem */

typedef struct {
    int status;                 /* 0, 66 (EX_NOINPUT) or 65 (EX_DATAERR) */
    char message[600];          /* why the file was refused */
    table *table;               /* owned by the caller when status == 0 */
    char encoding[16];          /* what was used: "utf-8", "windows-1252", ... */
    char delimiter;
    bool detected_encoding, detected_delimiter;
    uint64_t size;
    char sha256[65];            /* of the file's bytes, as hex */
    struct ingest_hash *hash;   /* with HASH_AFTER: the hash still running, owned */
    long records, accepted, rejected;
    size_t nheader;
    char **header;              /* the header as read (UTF-8), owned */
    char *warnings;             /* NULL or newline-separated notes, owned */
} ingest_result;

/* A mapped export is checked for bad bytes a step ahead of the parser and
 * its pages given back a step behind it: the resident part of a file of
 * any size is a few steps. */
enum { INGEST_STEP = 2 << 20 };

void ingest_config_init(ingest_config *cfg, const char *dataset, const char *path);
int ingest_file(const ingest_config *cfg, reject_log *log, ingest_result *out);
void ingest_result_free(ingest_result *r);   /* frees all but the table */
/* With HASH_AFTER: wait for the hash of the file and fill r->sha256. */
void ingest_hash_wait(ingest_result *r);

const char *delimiter_name(char d);   /* "comma", "semicolon", "tab" */
/* Accepts the names and "," ";" "\t"; false when unknown. */
bool delimiter_parse(const char *s, char *out);
/* Canonical encoding name for a user's spelling, or NULL when unsupported. */
const char *encoding_canonical(const char *s);

#if defined(FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION) || defined(KV_CHECK_FIELDS)
#include <stdatomic.h>
/* Checking builds only: how many fields were read where they lie in the
 * line (and found equal to libcsv's copy), so a test can see that path
 * ran. */
extern atomic_size_t ingest_fields_in_place;
#endif

#endif
