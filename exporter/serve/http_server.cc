#include "exporter/serve/http_server.h"

#include <CivetServer.h>

#include <cstring>
#include <ctime>
#include <mutex>
#include <vector>

#include "exporter/base/gzip.h"
#include "exporter/serve/exporter.h"
#include "exporter/serve/http_routes.h"

namespace argus {

namespace {

constexpr size_t kMaxUriBytes = 4096;
constexpr size_t kMaxHeaderBytes = 16384;

// The Date header (RFC 9110 IMF-fixdate). CivetWeb adds one itself unless
// the response has it, but Debian's build formats it with gmtime(), whose
// static buffer the 16 worker threads would share (ThreadSanitizer reports
// the race); gmtime_r has none.
std::string HttpDate() {
  const time_t now = time(nullptr);
  struct tm tm;
  char text[64];
  if (!gmtime_r(&now, &tm) || !strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm)) {
    return "";
  }
  return text;
}

// Sends the whole response; CivetWeb's mg_write loops until every byte is
// out or the connection fails.
void Send(mg_connection* conn, const HttpResponse& r) {
  std::shared_ptr<const std::string> gzipped;
  if (r.gzip_body) {
    if (AcceptsGzip(mg_get_header(conn, "Accept-Encoding"))) gzipped = r.gzip_body();
  }
  const std::string& body = gzipped ? *gzipped : r.shared_body ? *r.shared_body : r.body;
  mg_response_header_start(conn, r.status);
  if (r.gzip_body) {
    mg_response_header_add(conn, "Vary", "Accept-Encoding", -1);
    if (gzipped) mg_response_header_add(conn, "Content-Encoding", "gzip", -1);
  }
  const std::string date = HttpDate();
  if (!date.empty()) mg_response_header_add(conn, "Date", date.c_str(), -1);
  mg_response_header_add(conn, "Content-Type", r.content_type.c_str(), -1);
  const std::string length = std::to_string(body.size());
  mg_response_header_add(conn, "Content-Length", length.c_str(), -1);
  mg_response_header_add(conn, "Cache-Control", "no-store", -1);
  mg_response_header_add(conn, "X-Content-Type-Options", "nosniff", -1);
  for (const auto& [name, value] : r.headers) {
    mg_response_header_add(conn, name.c_str(), value.c_str(), -1);
  }
  mg_response_header_send(conn);
  // Short only when the client went away or stalled past
  // request_timeout_ms; nothing more can be said on this connection then.
  mg_write(conn, body.data(), body.size());
}

// "HOST:PORT" and ":PORT" as CivetWeb's listening_ports wants them.
std::string ListeningPorts(const std::string& address) {
  if (!address.empty() && address[0] == ':') return address.substr(1);
  return address;
}

}  // namespace

// Receives every request (registered for "/", which CivetWeb matches as a
// prefix of every path) and every method.
class HttpServer::Dispatcher : public CivetHandler {
 public:
  Dispatcher(Exporter& exporter, Logger& log) : exporter_(exporter), log_(log) {}

  void SetAuth(std::shared_ptr<const BasicAuth> auth) {
    std::lock_guard lock(mu_);
    auth_ = std::move(auth);
  }
  ReloadFn reload;  // set before the server starts

  // Whether the request may go on: without users configured, or with their
  // credentials, or for /-/healthy (a liveness probe carries none).
  bool Authorized(mg_connection* conn, const char* uri) {
    std::shared_ptr<const BasicAuth> auth;
    {
      std::lock_guard lock(mu_);
      auth = auth_;
    }
    if (!auth || !auth->enabled() || std::strcmp(uri, "/-/healthy") == 0) return true;
    const char* header = mg_get_header(conn, "Authorization");
    return header && auth->Allows(header);
  }

  bool Handle(mg_connection* conn) {
    const mg_request_info* info = mg_get_request_info(conn);
    const char* method = info->request_method ? info->request_method : "";
    const char* uri = info->request_uri ? info->request_uri : "";
    const char* query = info->query_string ? info->query_string : "";
    size_t header_bytes = 0;
    for (int i = 0; i < info->num_headers; ++i) {
      header_bytes += std::strlen(info->http_headers[i].name) +
                      std::strlen(info->http_headers[i].value) + 4;
    }
    HttpResponse r;
    try {
      if (std::strlen(uri) + std::strlen(query) > kMaxUriBytes) {
        r = ErrorResponse(414, "URI longer than " + std::to_string(kMaxUriBytes) + " bytes");
      } else if (header_bytes > kMaxHeaderBytes) {
        r = ErrorResponse(431, "request headers longer than " + std::to_string(kMaxHeaderBytes) +
                                   " bytes");
      } else if (!Authorized(conn, uri)) {
        r = ErrorResponse(401, "authentication required");
        r.headers.push_back({"WWW-Authenticate", "Basic realm=\"Argus\", charset=\"UTF-8\""});
      } else {
        r = Route(exporter_, method, uri, query, reload);
      }
    } catch (const std::exception& e) {
      // Route does not throw by design; this is the last line of defence.
      log_.Error("request failed", {{"path", ValidUtf8(uri)}, {"err", e.what()}});
      r = ErrorResponse(500, "internal error");
    }
    Send(conn, r);
    if (r.status >= 500) {
      log_.Warn("request answered with an error",
                {{"path", ValidUtf8(std::string(uri).substr(0, 200))},
                 {"status", std::to_string(r.status)}});
    }
    return true;
  }

  bool handleGet(CivetServer*, mg_connection* conn) override { return Handle(conn); }
  bool handlePost(CivetServer*, mg_connection* conn) override { return Handle(conn); }
  bool handleHead(CivetServer*, mg_connection* conn) override { return Handle(conn); }
  bool handlePut(CivetServer*, mg_connection* conn) override { return Handle(conn); }
  bool handleDelete(CivetServer*, mg_connection* conn) override { return Handle(conn); }
  bool handleOptions(CivetServer*, mg_connection* conn) override { return Handle(conn); }
  bool handlePatch(CivetServer*, mg_connection* conn) override { return Handle(conn); }

 private:
  Exporter& exporter_;
  Logger& log_;
  std::mutex mu_;
  std::shared_ptr<const BasicAuth> auth_;
};

namespace {

// Methods CivetHandler has no hook for (TRACE, CONNECT, PROPFIND, ...) are
// refused here, before CivetWeb would try to serve them itself.
int BeginRequest(mg_connection* conn) {
  const char* method = mg_get_request_info(conn)->request_method;
  static const char* kHandled[] = {"GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"};
  for (const char* m : kHandled) {
    if (method && std::strcmp(method, m) == 0) return 0;
  }
  HttpResponse r = ErrorResponse(405, "method not allowed; Argus answers GET only");
  r.headers.push_back({"Allow", "GET"});
  Send(conn, r);
  return 405;
}

// CivetWeb's own error pages (400 for a malformed request, 413/431 for an
// over-long one, ...) become JSON like every other error.
int HttpError(mg_connection* conn, int status, const char* message) {
  // CivetWeb refuses TRACE, CONNECT and unknown methods as a bad request
  // before any handler runs; for a well-formed method the right answer is
  // 405.
  const mg_request_info* info = mg_get_request_info(conn);
  const char* method = info ? info->request_method : nullptr;
  if (status == 400 && method && *method && std::strcmp(method, "GET") != 0 &&
      std::strspn(method, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == std::strlen(method) &&
      std::strlen(method) <= 16) {
    HttpResponse r = ErrorResponse(405, std::string("method ") + method +
                                            " is not allowed; Argus answers GET only");
    r.headers.push_back({"Allow", "GET"});
    Send(conn, r);
    return 0;
  }
  Send(conn, ErrorResponse(status, message && *message ? ValidUtf8(message)
                                                       : "request refused by the HTTP server"));
  return 0;
}

// CivetServer keeps itself as CivetWeb's user data; our Logger is its
// "user context".
int LogMessage(const mg_connection* conn, const char* message) {
  const mg_context* ctx = conn ? mg_get_context(conn) : nullptr;
  auto* server = ctx ? static_cast<CivetServer*>(mg_get_user_data(ctx)) : nullptr;
  auto* log = server ? static_cast<const Logger*>(server->getUserContext()) : nullptr;
  if (log) {
    const_cast<Logger*>(log)->Warn("http server", {{"detail", ValidUtf8(message ? message : "")}});
  }
  return 1;
}

}  // namespace

HttpServer::HttpServer(Exporter& exporter, Logger& log)
    : log_(log), dispatcher_(std::make_unique<Dispatcher>(exporter, log)) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start(const std::string& address) {
  const std::vector<std::string> options = {
      "listening_ports", ListeningPorts(address),
      "num_threads", "16",
      // A slow or stalled client is cut off, never holds a thread for long.
      "request_timeout_ms", "10000",
      // No linger_timeout_ms: with it at 0 a close resets the connection
      // and discards what the kernel has not sent yet, which cut every
      // response over ~128 KB to a client that asked to close (HTTP/1.0,
      // "Connection: close"). Without it, close() hands the rest to the
      // kernel, which delivers it.
      "enable_keep_alive", "yes",
      "keep_alive_timeout_ms", "5000",
      // Request line plus headers. Route answers 414 and 431 well below this;
      // beyond it CivetWeb answers 400 and drops the connection.
      "max_request_size", "65536",
      "enable_directory_listing", "no",
      // Headers and body go out in two writes; without this, Nagle and
      // delayed ACKs add 40 ms to every keep-alive response.
      "tcp_nodelay", "1",
      "decode_url", "no",
  };
  CivetCallbacks callbacks;
  callbacks.begin_request = BeginRequest;
  callbacks.http_error = HttpError;
  callbacks.log_message = LogMessage;
  try {
    server_ = std::make_unique<CivetServer>(options, &callbacks, &log_);
  } catch (const CivetException& e) {
    return Status::Error("cannot listen on " + address + ": " + e.what());
  }
  server_->addHandler("/", dispatcher_.get());
  return Status::Ok();
}

void HttpServer::SetAuth(std::shared_ptr<const BasicAuth> auth) {
  dispatcher_->SetAuth(std::move(auth));
}

void HttpServer::EnableLifecycle(ReloadFn reload) { dispatcher_->reload = std::move(reload); }

int HttpServer::port() const {
  if (!server_) return 0;
  auto ports = server_->getListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

void HttpServer::Stop() {
  if (!server_) return;
  server_->close();
  server_.reset();
}

}  // namespace argus
