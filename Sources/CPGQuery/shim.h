#ifndef SLUICE_CPGQUERY_SHIM_H
#define SLUICE_CPGQUERY_SHIM_H
// Debian's libpg-query-dev: the PostgreSQL 15 parser as a library.
#include <pg_query.h>
#endif
