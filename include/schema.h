/*
 * schema.h - the canonical datasets and fields of spec §1: their names,
 * types, which are required and which compare ignoring case.
 */
#ifndef KV_SCHEMA_H
#define KV_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

typedef enum { FT_TEXT, FT_DATE, FT_DATETIME, FT_BOOL, FT_INT, FT_NUMBER } field_type;

typedef struct {
    const char *name;
    field_type type;
    bool required;
    bool folded;        /* compared case-insensitively */
} field_schema;

#define SCHEMA_MAX_FIELDS 12

typedef struct {
    const char *name;           /* "deviations" */
    bool required;              /* deviations, proposals, documents */
    const char *key;            /* field that must be unique, or NULL */
    size_t nfields;
    field_schema fields[SCHEMA_MAX_FIELDS];
} dataset_schema;

extern const dataset_schema schema_datasets[];
extern const size_t schema_ndatasets;

const dataset_schema *schema_find(const char *dataset);
/* Index of field in ds, or -1. */
int schema_field_index(const dataset_schema *ds, const char *field);
const char *field_type_name(field_type t);

#endif
