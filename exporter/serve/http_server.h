#ifndef ARGUS_HTTP_SERVER_H_
#define ARGUS_HTTP_SERVER_H_

#include <memory>
#include <string>

#include "exporter/serve/http_routes.h"
#include "exporter/base/log.h"
#include "exporter/base/status.h"
#include "exporter/serve/web_config.h"

class CivetServer;

namespace argus {

class Exporter;
class Pipelines;

// The one CivetWeb server of argus_exporter: every request goes through
// Route (http_routes.h); CivetWeb's own errors (malformed or over-long
// requests) are answered with the same JSON error body. `exporter` and `log`
// must outlive the server. Thread-safe.
class HttpServer {
 public:
  HttpServer(Exporter& exporter, Logger& log);
  // Serves every pipeline of `pipelines` (config `pipelines:`).
  HttpServer(std::shared_ptr<Pipelines> pipelines, Logger& log);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Listens on `address` ("HOST:PORT", ":PORT", or port 0 for any free one).
  Status Start(const std::string& address);
  // The port it listens on (the chosen one when asked for 0).
  int port() const;
  void Stop();

  // Requires these credentials on every path but /-/healthy (none when
  // `auth` is null or has no users). May be called while serving.
  void SetAuth(std::shared_ptr<const BasicAuth> auth);
  // Enables POST /-/reload, which calls `reload`. Call before Start.
  void EnableLifecycle(ReloadFn reload);
  // Serves under `paths.route_prefix`, with links starting `paths.base`.
  // Call before Start.
  void SetPaths(WebPaths paths);

 private:
  class Dispatcher;

  Logger& log_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<CivetServer> server_;
};

}  // namespace argus

#endif  // ARGUS_HTTP_SERVER_H_
