#ifndef ARGUS_BASE_GZIP_H_
#define ARGUS_BASE_GZIP_H_

#include <string>
#include <string_view>

namespace argus {

// `data` as a gzip member (RFC 1952), through zlib.
std::string Gzip(std::string_view data);

// Whether an Accept-Encoding header value (RFC 9110 §12.5.3) accepts gzip:
// "gzip", "x-gzip" or "*" with a q-value above 0. Null or empty: no.
bool AcceptsGzip(const char* accept_encoding);

}  // namespace argus

#endif  // ARGUS_BASE_GZIP_H_
