#include "http_client.h"

#include "exporter/serve/http_routes.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>

namespace argus::testing {

int Connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

namespace {

// Reads from `fd` into `data` until it holds at least `size` bytes.
bool ReadUntil(int fd, std::string* data, size_t size, int timeout_ms) {
  char buf[16384];
  pollfd p{fd, POLLIN, 0};
  while (data->size() < size) {
    if (::poll(&p, 1, timeout_ms) <= 0) return false;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    data->append(buf, static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

HttpReply SendRaw(int port, const std::string& raw, int timeout_ms) {
  HttpReply reply;
  const int fd = Connect(port);
  if (fd < 0) return reply;
  size_t sent = 0;
  while (sent < raw.size()) {
    ssize_t n = ::send(fd, raw.data() + sent, raw.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may refuse and close early
    sent += static_cast<size_t>(n);
  }
  std::string data;
  char buf[16384];
  pollfd p{fd, POLLIN, 0};
  while (::poll(&p, 1, timeout_ms) > 0) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  const size_t end = data.find("\r\n\r\n");
  if (data.rfind("HTTP/1.", 0) != 0 || end == std::string::npos) return reply;
  reply.status = std::atoi(data.c_str() + 9);
  reply.headers = data.substr(0, end);
  reply.body = data.substr(end + 4);
  return reply;
}

HttpReply Get(int port, const std::string& target, const std::string& method) {
  return SendRaw(port, method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       "Connection: close\r\n\r\n");
}

HttpReply Get10(int port, const std::string& target) {
  return SendRaw(port, "GET " + target + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", 15000);
}


std::vector<HttpReply> SendKeepAlive(int port, const std::vector<std::string>& raw_requests,
                                     int timeout_ms) {
  std::vector<HttpReply> replies;
  const int fd = Connect(port);
  if (fd < 0) return replies;
  std::string data;
  for (const std::string& raw : raw_requests) {
    if (::send(fd, raw.data(), raw.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(raw.size())) break;
    size_t end;
    while ((end = data.find("\r\n\r\n")) == std::string::npos) {
      if (!ReadUntil(fd, &data, data.size() + 1, timeout_ms)) break;
    }
    if (end == std::string::npos || data.rfind("HTTP/1.", 0) != 0) break;
    HttpReply reply;
    reply.status = std::atoi(data.c_str() + 9);
    reply.headers = data.substr(0, end);
    const size_t at = reply.headers.find("Content-Length: ");
    if (at == std::string::npos) break;
    const size_t length = std::strtoull(reply.headers.c_str() + at + 16, nullptr, 10);
    if (!ReadUntil(fd, &data, end + 4 + length, timeout_ms)) break;
    reply.body = data.substr(end + 4, length);
    data.erase(0, end + 4 + length);
    replies.push_back(std::move(reply));
  }
  ::close(fd);
  return replies;
}

std::string UrlEncode(const std::string& text) { return PercentEncode(text); }

}  // namespace argus::testing
