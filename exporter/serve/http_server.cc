#include "exporter/serve/http_server.h"

#include "exporter/serve/pipelines.h"

#include <CivetServer.h>

#include <strings.h>

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
// CivetWeb keeps the first 64 headers of a request and drops the rest
// without a word (MG_MAX_HEADERS); a request with 64 may have had more, so
// it is refused rather than half read.
constexpr int kCivetMaxHeaders = 64;

// CivetWeb writes the request's HTTP version into the status line of every
// response, and on a malformed request line that "version" is the rest of
// the request head, CRLFs included. Only "1.0" and "1.1" pass; anything
// else is replaced by "1.1" before a response head is written, so no byte
// of a request reaches one.
void NormalizeVersion(mg_connection* conn) {
  auto* info = const_cast<mg_request_info*>(mg_get_request_info(conn));
  if (!info) return;
  const char* v = info->http_version;
  if (!v || (std::strcmp(v, "1.0") != 0 && std::strcmp(v, "1.1") != 0)) info->http_version = "1.1";
}

bool IsHead(mg_connection* conn) {
  const mg_request_info* info = mg_get_request_info(conn);
  return info && info->request_method && std::strcmp(info->request_method, "HEAD") == 0;
}

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
  NormalizeVersion(conn);
  if (r.close) mg_disable_connection_keep_alive(conn);
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
  // HEAD: the head GET would get (Content-Length included), no body.
  if (IsHead(conn)) return;
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
  Dispatcher(std::shared_ptr<Pipelines> pipelines, Logger& log)
      : pipelines_(std::move(pipelines)), log_(log) {}

  void SetAuth(std::shared_ptr<const BasicAuth> auth) {
    std::lock_guard lock(mu_);
    auth_ = std::move(auth);
  }
  ReloadFn reload;  // set before the server starts
  WebPaths paths;   // likewise

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
    std::string stripped = info->request_uri ? info->request_uri : "";
    // Under a route prefix, the path within it ("/argus" is its "/").
    bool outside = false;
    if (const std::string& prefix = paths.route_prefix; !prefix.empty()) {
      if (stripped == prefix) {
        stripped = "/";
      } else if (stripped.compare(0, prefix.size() + 1, prefix + "/") == 0) {
        stripped.erase(0, prefix.size());
      } else {
        outside = true;
      }
    }
    const char* uri = stripped.c_str();
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
      } else if (outside) {
        r = ErrorResponse(404, "no such path: Argus serves under " + paths.route_prefix + "/");
      } else if (!Authorized(conn, uri)) {
        r = ErrorResponse(401, "authentication required");
        r.headers.push_back({"WWW-Authenticate", "Basic realm=\"Argus\", charset=\"UTF-8\""});
      } else {
        // HEAD is GET without the body (Send leaves it out).
        r = Route(*pipelines_, std::strcmp(method, "HEAD") == 0 ? "GET" : method, uri, query,
                  reload, paths);
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
  std::shared_ptr<Pipelines> pipelines_;
  Logger& log_;
  std::mutex mu_;
  std::shared_ptr<const BasicAuth> auth_;
};

namespace {

// Why a request's framing cannot be trusted, or "": more headers than
// CivetWeb keeps, a Content-Length given twice or not a plain number, a
// Content-Length next to a Transfer-Encoding. Each could make the rest of
// the connection be read as another request, so such a request is answered
// and the connection closed. `*has_body` tells whether a body follows.
std::pair<int, std::string> FramingProblem(const mg_request_info* info, bool* has_body) {
  if (info->num_headers >= kCivetMaxHeaders) {
    return {431, "more than " + std::to_string(kCivetMaxHeaders - 1) + " request headers"};
  }
  int lengths = 0, encodings = 0;
  for (int i = 0; i < info->num_headers; ++i) {
    const char* name = info->http_headers[i].name;
    const char* value = info->http_headers[i].value ? info->http_headers[i].value : "";
    if (strcasecmp(name, "Content-Length") == 0) {
      ++lengths;
      if (!*value || std::strspn(value, "0123456789") != std::strlen(value)) {
        return {400, "Content-Length is not a number"};
      }
      if (std::strspn(value, "0") != std::strlen(value)) *has_body = true;
    } else if (strcasecmp(name, "Transfer-Encoding") == 0) {
      ++encodings;
      *has_body = true;
    }
  }
  if (lengths > 1) return {400, "Content-Length given more than once"};
  if (lengths && encodings) return {400, "both Content-Length and Transfer-Encoding given"};
  if (encodings > 1) return {400, "Transfer-Encoding given more than once"};
  return {0, ""};
}

// Before any handler: framing that cannot be trusted is refused, the
// connection closed; methods CivetHandler has no hook for (TRACE, CONNECT,
// PROPFIND, ...) are refused before CivetWeb would try to serve them
// itself.
int BeginRequest(mg_connection* conn) {
  const mg_request_info* info = mg_get_request_info(conn);
  bool has_body = false;
  if (auto [status, problem] = FramingProblem(info, &has_body); status != 0) {
    HttpResponse r = ErrorResponse(status, problem + "; the connection is closed");
    r.close = true;
    Send(conn, r);
    return status;
  }
  // Nothing Argus serves reads a body (curl -d on /-/reload sends one): it
  // is ignored, and the connection closed after the response rather than
  // read to its end, which would let a trickling body hold a worker.
  if (has_body) mg_disable_connection_keep_alive(conn);
  const char* method = info->request_method;
  static const char* kHandled[] = {"GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"};
  for (const char* m : kHandled) {
    if (method && std::strcmp(method, m) == 0) return 0;
  }
  HttpResponse r = ErrorResponse(405, "method not allowed; Argus answers GET only");
  r.headers.push_back({"Allow", "GET, HEAD"});
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
    r.headers.push_back({"Allow", "GET, HEAD"});
    r.close = true;
    Send(conn, r);
    return 0;
  }
  // CivetWeb closes the connection after its own errors; the head says so.
  // Its message may quote the request (e.g. "Bad HTTP version: [9.9]"),
  // which is fine in a JSON body but never reaches the head.
  HttpResponse r = ErrorResponse(status, message && *message ? ValidUtf8(message)
                                                             : "request refused by the HTTP server");
  r.close = true;
  Send(conn, r);
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

HttpServer::HttpServer(Exporter& exporter, Logger& log) : HttpServer(Pipelines::Of(exporter), log) {}

HttpServer::HttpServer(std::shared_ptr<Pipelines> pipelines, Logger& log)
    : log_(log), dispatcher_(std::make_unique<Dispatcher>(std::move(pipelines), log)) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start(const std::string& address) {
  const std::vector<std::string> options = {
      "listening_ports", ListeningPorts(address),
      // Each connection holds a worker while CivetWeb reads its request, so
      // the workers are many: 256 slow or idle clients still leave scrapes
      // a free one. A worker costs a 32 KiB request buffer and a 100 KiB
      // stack (of which it touches a few pages). Connections beyond the
      // workers wait in the listen queue until one is free.
      "num_threads", "256",
      // A slow or stalled client is cut off: the whole request head must
      // arrive within this (CivetWeb's deadline runs from the first byte),
      // and each write of the response must make progress within it.
      "request_timeout_ms", "5000",
      // No linger_timeout_ms: with it at 0 a close resets the connection
      // and discards what the kernel has not sent yet, which cut every
      // response over ~128 KB to a client that asked to close (HTTP/1.0,
      // "Connection: close"). Without it, close() hands the rest to the
      // kernel, which delivers it.
      "enable_keep_alive", "yes",
      "keep_alive_timeout_ms", "3000",
      // Request line plus headers. Route answers 414 and 431 well below this;
      // beyond it CivetWeb answers 400 and drops the connection.
      "max_request_size", "32768",
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

void HttpServer::SetPaths(WebPaths paths) { dispatcher_->paths = std::move(paths); }

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
