#ifndef SLUICE_BENCH_RAWPARSE_H
#define SLUICE_BENCH_RAWPARSE_H
#include <stddef.h>

// libpg_query alone, for the breakdown rows of the policy benchmark: how much
// of an uncached verdict is the C parser (with its JSON or protobuf output)
// and how much is Swift (reading the JSON, walking the tree).

/// pg_query_parse (parse + JSON output); returns the JSON's length, 0 on error.
size_t bench_parse_json(const char *sql);

/// pg_query_parse_protobuf (parse + protobuf output); returns its length, 0 on error.
size_t bench_parse_protobuf(const char *sql);

#endif
