#include "connector/endpoint.h"

#include <cstdlib>
#include <fstream>

namespace godwit {
namespace {

Result<std::string> PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) {
        return Status(ErrorCode::kInvalidArgument, "incomplete percent-escape in endpoint URI");
      }
      auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi < 0 || lo < 0) return Status(ErrorCode::kInvalidArgument, "bad percent-escape in endpoint URI");
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string PercentEncode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace

Result<Endpoint> ParseEndpointUri(std::string_view uri) {
  Endpoint ep;
  size_t scheme_end = uri.find("://");
  if (scheme_end == std::string_view::npos) {
    return Status(ErrorCode::kInvalidArgument,
                  "endpoint '" + std::string(uri.substr(0, 40)) + "' is not a URI",
                  "Write it as mysql://user@host:port/db, postgresql://user@host:port/db or sqlite:///path/file.db.");
  }
  std::string scheme(uri.substr(0, scheme_end));
  std::string_view rest = uri.substr(scheme_end + 3);
  if (scheme == "mysql" || scheme == "mariadb") {
    ep.engine = Engine::kMysql;
    ep.port = 3306;
  } else if (scheme == "postgresql" || scheme == "postgres" || scheme == "pg") {
    ep.engine = Engine::kPostgres;
    ep.port = 5432;
  } else if (scheme == "sqlite") {
    ep.engine = Engine::kSqlite;
  } else {
    return Status(ErrorCode::kInvalidArgument, "unknown database kind '" + scheme + "' in endpoint URI",
                  "Use one of mysql://, mariadb://, postgresql:// or sqlite://.");
  }

  std::string_view query;
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }

  if (ep.engine == Engine::kSqlite) {
    ASSIGN_OR_RETURN(ep.path, PercentDecode(rest));
    if (ep.path.empty()) {
      return Status(ErrorCode::kInvalidArgument, "sqlite endpoint has no file path",
                    "Write it as sqlite:///absolute/path.db or sqlite://relative/path.db.");
    }
  } else {
    std::string_view authority = rest, path;
    if (size_t slash = rest.find('/'); slash != std::string_view::npos) {
      authority = rest.substr(0, slash);
      path = rest.substr(slash + 1);
    }
    if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
      std::string_view userinfo = authority.substr(0, at);
      authority = authority.substr(at + 1);
      if (size_t colon = userinfo.find(':'); colon != std::string_view::npos) {
        ASSIGN_OR_RETURN(ep.user, PercentDecode(userinfo.substr(0, colon)));
        ASSIGN_OR_RETURN(ep.password, PercentDecode(userinfo.substr(colon + 1)));
      } else {
        ASSIGN_OR_RETURN(ep.user, PercentDecode(userinfo));
      }
    }
    std::string_view host = authority, port;
    if (!authority.empty() && authority.front() == '[') {  // [ipv6]:port
      size_t close = authority.find(']');
      if (close == std::string_view::npos) return Status(ErrorCode::kInvalidArgument, "unclosed '[' in endpoint host");
      host = authority.substr(1, close - 1);
      std::string_view after = authority.substr(close + 1);
      if (!after.empty() && after.front() == ':') port = after.substr(1);
    } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
    }
    if (!port.empty() || (host.data() != authority.data() || host.size() != authority.size())) {
      if (!port.empty() || authority.back() == ':') {
        std::string p_text(port);
        char* end = nullptr;
        long p = std::strtol(p_text.c_str(), &end, 10);
        if (p_text.empty() || *end != '\0' || p <= 0 || p > 65535) {
          return Status(ErrorCode::kInvalidArgument,
                        "port '" + p_text + "' in endpoint URI is not a number from 1 to 65535");
        }
        ep.port = static_cast<uint16_t>(p);
      }
    }
    ASSIGN_OR_RETURN(ep.host, PercentDecode(host));
    if (ep.host.empty()) ep.host = "127.0.0.1";
    ASSIGN_OR_RETURN(ep.database, PercentDecode(path));
    if (ep.user.empty()) ep.user = ep.engine == Engine::kMysql ? "root" : "postgres";
  }

  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view kv = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (kv.empty()) continue;
    size_t eq = kv.find('=');
    ASSIGN_OR_RETURN(std::string key, PercentDecode(kv.substr(0, eq)));
    std::string value;
    if (eq != std::string_view::npos) {
      ASSIGN_OR_RETURN(value, PercentDecode(kv.substr(eq + 1)));
    }
    if (key == "password_env") {
      const char* v = std::getenv(value.c_str());
      if (v == nullptr) {
        return Status(ErrorCode::kInvalidArgument, "environment variable " + value + " named by password_env is not set",
                      "Export the variable before running Godwit, or give the password another way.");
      }
      ep.password = v;
    } else if (key == "password_file") {
      std::ifstream in(value);
      if (!in) {
        return Status(ErrorCode::kInvalidArgument, "cannot read password_file " + value,
                      "Check the path and that Godwit may read it.");
      }
      std::getline(in, ep.password);
    } else {
      ep.options[key] = value;
    }
  }
  return ep;
}

std::string Endpoint::Redacted() const {
  std::string out(EngineName(engine));
  out += "://";
  if (engine == Engine::kSqlite) return out + path;
  out += PercentEncode(user);
  if (!password.empty()) out += ":***";
  out += "@";
  out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
  out += ":" + std::to_string(port) + "/" + PercentEncode(database);
  return out;
}

std::string Endpoint::UriWithoutPassword() const {
  Endpoint copy = *this;
  copy.password.clear();
  std::string out = copy.Redacted();
  char sep = '?';
  for (const auto& [key, value] : options) {
    out += sep + PercentEncode(key) + "=" + PercentEncode(value);
    sep = '&';
  }
  return out;
}

}  // namespace godwit
