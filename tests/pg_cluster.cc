#include "tests/pg_cluster.h"

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "exporter/base/timestamp.h"
#include "exporter/source/sqlite_connection.h"
#include "tests/child_process.h"

namespace argus::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kAdminPassword = "admin-pw";

struct Conn {
  PGconn* c;
  ~Conn() { PQfinish(c); }
};

// Who owns the cluster when the tests run as root.
const char* OwnerName() { return getpwnam("postgres") ? "postgres" : "nobody"; }

// A value as COPY's text format spells it.
std::string CopyText(const char* value) {
  if (!value) return "\\N";
  std::string out;
  for (const char* p = value; *p; ++p) {
    switch (*p) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out += *p;
    }
  }
  return out;
}

}  // namespace

PgCluster::PgCluster() {
  char tmpl[] = "/tmp/argus-pg-XXXXXX";
  if (!mkdtemp(tmpl)) {
    error_ = "mkdtemp failed";
    return;
  }
  dir_ = tmpl;
  { std::ofstream(dir_ + "/pw") << kAdminPassword << "\n"; }
  if (geteuid() == 0) {
    // initdb refuses to run as root: the cluster is an unprivileged user's.
    const passwd* owner = getpwnam(OwnerName());
    if (!owner || chown(dir_.c_str(), owner->pw_uid, owner->pw_gid) != 0 ||
        chown((dir_ + "/pw").c_str(), owner->pw_uid, owner->pw_gid) != 0) {
      error_ = "no unprivileged user to own the cluster";
      return;
    }
  }
  if (RunAsOwner(bin_ + "/initdb -D " + dir_ + "/data -U admin --pwfile=" + dir_ +
                 "/pw --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --no-locale --no-sync"
                 " > " + dir_ + "/initdb.log 2>&1") != 0) {
    error_ = "initdb failed: " + Slurp(dir_ + "/initdb.log");
    return;
  }
  port_ = FreePort();
  if (RunAsOwner(bin_ + "/pg_ctl -D " + dir_ + "/data -l " + dir_ + "/server.log -w -t 60 -o \"-p " +
                 std::to_string(port_) + " -k " + dir_ +
                 " -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
                 " -c full_page_writes=off -c shared_preload_libraries=pg_stat_statements\" start > " +
                 dir_ + "/pg_ctl.log 2>&1") != 0) {
    error_ = "pg_ctl start failed: " + Slurp(dir_ + "/pg_ctl.log") + Slurp(dir_ + "/server.log");
    return;
  }
  started_ = true;
}

PgCluster::~PgCluster() {
  if (started_) {
    RunAsOwner(bin_ + "/pg_ctl -D " + dir_ + "/data -m immediate -w stop > /dev/null 2>&1");
  }
  if (!dir_.empty()) {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
}

int PgCluster::RunAsOwner(const std::string& command) const {
  std::string line = command;
  if (geteuid() == 0) {
    std::string quoted;
    for (char c : command) {
      if (c == '\'') {
        quoted += "'\\''";
      } else {
        quoted += c;
      }
    }
    line = std::string("runuser -u ") + OwnerName() + " -- sh -c '" + quoted + "'";
  }
  return std::system(line.c_str());
}

std::string PgCluster::AdminUri(const std::string& database) const {
  return "postgresql://admin:" + std::string(kAdminPassword) + "@127.0.0.1:" +
         std::to_string(port_) + "/" + database;
}

std::string PgCluster::ArgusUri(const std::string& database) const {
  return "postgresql://argus:" + std::string(kArgusPassword) + "@127.0.0.1:" +
         std::to_string(port_) + "/" + database;
}

Status PgCluster::Exec(const std::string& database, const std::string& sql) const {
  Conn conn{PQconnectdb(AdminUri(database).c_str())};
  if (PQstatus(conn.c) != CONNECTION_OK) return Status::Error(PQerrorMessage(conn.c));
  PGresult* r = PQexec(conn.c, sql.c_str());
  const ExecStatusType status = PQresultStatus(r);
  Status out = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK
                   ? Status::Ok()
                   : Status::Error(PQresultErrorMessage(r));
  PQclear(r);
  return out;
}

std::string PgCluster::Query(const std::string& database, const std::string& sql) const {
  Conn conn{PQconnectdb(AdminUri(database).c_str())};
  if (PQstatus(conn.c) != CONNECTION_OK) return "";
  PGresult* r = PQexec(conn.c, sql.c_str());
  std::string out;
  if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0) out = PQgetvalue(r, 0, 0);
  PQclear(r);
  return out;
}

Status PgCluster::CreatePipeline(const std::string& database) const {
  if (Status s = Exec("postgres", "CREATE DATABASE " + database); !s.ok()) return s;
  if (Status s = Exec(database, Slurp(std::string(ARGUS_SOURCE_DIR) + "/docs/schema-postgresql.sql"));
      !s.ok()) {
    return s;
  }
  // The role of docs/postgresql-role.sql, for this database and password.
  std::string role = Slurp(std::string(ARGUS_SOURCE_DIR) + "/docs/postgresql-role.sql");
  for (auto [from, to] : {std::pair<std::string, std::string>{"DATABASE pipeline", "DATABASE " + database},
                          {"'change-me'", std::string("'") + kArgusPassword + "'"}}) {
    if (size_t at = role.find(from); at != std::string::npos) role.replace(at, from.size(), to);
  }
  std::istringstream statements(role);
  std::string statement, line;
  while (std::getline(statements, line)) {
    if (line.rfind("--", 0) == 0) continue;
    statement += line + "\n";
    if (line.find(';') == std::string::npos) continue;
    Status s = Exec(database, statement);
    // The role is the cluster's: made by the first pipeline.
    if (!s.ok() && s.message().find("already exists") == std::string::npos) return s;
    statement.clear();
  }
  return Status::Ok();
}

Status PgCluster::CopyFromSqlite(const std::string& sqlite_path, const std::string& database) const {
  Db db;
  if (Status s = Open(sqlite_path, &db); !s.ok()) return s;
  Conn conn{PQconnectdb(AdminUri(database).c_str())};
  if (PQstatus(conn.c) != CONNECTION_OK) return Status::Error(PQerrorMessage(conn.c));
  struct Table {
    const char* name;
    const char* columns;
    int time_column;
  };
  const Table tables[] = {
      {"submissions", "id, created_at, agent, domain, item", 1},
      {"reviews", "id, submission_id, reviewed_at, verdict, reason, score, note", 2},
      {"costs", "id, incurred_at, agent, model, usd, input_tokens, output_tokens", 1},
  };
  for (const Table& t : tables) {
    sqlite3_stmt* raw = nullptr;
    const std::string select = std::string("SELECT ") + t.columns + " FROM " + t.name + " ORDER BY id";
    if (sqlite3_prepare_v2(db.get(), select.c_str(), -1, &raw, nullptr) != SQLITE_OK) {
      return Status::Error(sqlite3_errmsg(db.get()));
    }
    Stmt stmt(raw);
    PGresult* r = PQexec(conn.c, (std::string("COPY ") + t.name + " (" + t.columns + ") FROM STDIN").c_str());
    const bool copying = PQresultStatus(r) == PGRES_COPY_IN;
    PQclear(r);
    if (!copying) return Status::Error(PQerrorMessage(conn.c));
    std::string buffer;
    while (sqlite3_step(raw) == SQLITE_ROW) {
      const int n = sqlite3_column_count(raw);
      std::string line;
      for (int c = 0; c < n; ++c) {
        if (c) line += '\t';
        if (c == t.time_column) {
          auto at = ValueTime(sqlite3_column_value(raw, c));
          line += at ? FormatTimestamp(*at) : "\\N";
        } else {
          line += CopyText(reinterpret_cast<const char*>(sqlite3_column_text(raw, c)));
        }
      }
      buffer += line + "\n";
      if (buffer.size() > (1 << 20)) {
        PQputCopyData(conn.c, buffer.data(), static_cast<int>(buffer.size()));
        buffer.clear();
      }
    }
    PQputCopyData(conn.c, buffer.data(), static_cast<int>(buffer.size()));
    PQputCopyEnd(conn.c, nullptr);
    r = PQgetResult(conn.c);
    const bool done = PQresultStatus(r) == PGRES_COMMAND_OK;
    const std::string why = PQresultErrorMessage(r);
    PQclear(r);
    while ((r = PQgetResult(conn.c))) PQclear(r);
    if (!done) return Status::Error(std::string(t.name) + ": " + why);
  }
  PGresult* r = PQexec(conn.c, "ANALYZE");
  PQclear(r);
  return Status::Ok();
}

std::string PgCluster::Log() const { return Slurp(dir_ + "/server.log"); }

}  // namespace argus::testing
