#ifndef ARGUS_TESTS_HTTP_CLIENT_H_
#define ARGUS_TESTS_HTTP_CLIENT_H_

#include <string>
#include <vector>

namespace argus::testing {

struct HttpReply {
  int status = 0;  // 0 when the connection failed or no status line came
  std::string headers;
  std::string body;
};

// Sends `raw` (a whole HTTP request, as bytes) to 127.0.0.1:`port` and reads
// until the server closes. Tests use it to send requests no well-behaved
// client library would.
// A connection to 127.0.0.1:`port`, or -1.
int Connect(int port);

HttpReply SendRaw(int port, const std::string& raw, int timeout_ms = 10000);

// GET `target` with "Connection: close".
HttpReply Get(int port, const std::string& target, const std::string& method = "GET");

// GET over HTTP/1.0, so that servers that would otherwise chunk a long
// reply (Prometheus, Alertmanager) send it plain.
HttpReply Get10(int port, const std::string& target);

// Sends each request of `raw_requests` in turn on one keep-alive
// connection, reading each reply whole by its Content-Length before the
// next; a reply that cannot be read ends the list early.
std::vector<HttpReply> SendKeepAlive(int port, const std::vector<std::string>& raw_requests,
                                     int timeout_ms = 15000);

// Percent-encodes a query-string value.
std::string UrlEncode(const std::string& text);

}  // namespace argus::testing

#endif  // ARGUS_TESTS_HTTP_CLIENT_H_
