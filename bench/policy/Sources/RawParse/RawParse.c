#include "RawParse.h"
#include <pg_query.h>
#include <string.h>

size_t bench_parse_json(const char *sql) {
    PgQueryParseResult result = pg_query_parse(sql);
    size_t length = (result.error == NULL && result.parse_tree != NULL) ? strlen(result.parse_tree) : 0;
    pg_query_free_parse_result(result);
    return length;
}

size_t bench_parse_protobuf(const char *sql) {
    PgQueryProtobufParseResult result = pg_query_parse_protobuf(sql);
    size_t length = result.error == NULL ? result.parse_tree.len : 0;
    pg_query_free_protobuf_parse_result(result);
    return length;
}
