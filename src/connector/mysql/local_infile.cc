#include "connector/mysql/local_infile.h"

#include <errmsg.h>

#include <cstdio>
#include <cstring>

namespace godwit::mysql {
namespace {

// MariaDB Connector/C's modes (ma_config.h, not installed): AUTO accepts a
// file request only in reply to a query that starts with "load".
constexpr unsigned kLocalInfileOff = 0;
constexpr unsigned kLocalInfileAuto = 2;

// The handler a handle keeps outside a grant. The client's own switch
// (RefuseFileRequests) stops requests before they get here; this is the
// backstop, so that the library never falls back to its file-opening
// default (it installs that default when a handler is missing).
int RefuseInit(void** ptr, const char*, void*) {
  *ptr = nullptr;
  return 1;
}
int RefuseRead(void*, char*, unsigned int) { return -1; }
void RefuseEnd(void*) {}
int RefuseError(void*, char* msg, unsigned int len) {
  std::snprintf(msg, len, "%s", "the server asked for a local file outside Godwit's LOAD DATA: refused");
  return CR_UNKNOWN_ERROR;
}

void InstallRefusingHandler(MYSQL* m) {
  mysql_set_local_infile_handler(m, &RefuseInit, &RefuseRead, &RefuseEnd, &RefuseError, nullptr);
}

}  // namespace

void SetUpLocalInfile(MYSQL* m, LocalInfile mode) {
  const unsigned value = mode == LocalInfile::kAnnounced ? kLocalInfileAuto : kLocalInfileOff;
  mysql_optionsv(m, MYSQL_OPT_LOCAL_INFILE, &value);
  InstallRefusingHandler(m);
}

void RefuseFileRequests(MYSQL* m) {
  // After connect this changes only the client's side: the library checks
  // the option's flag when a request comes, while what the server was told
  // at connect stays (so a later grant can load).
  const unsigned off = kLocalInfileOff;
  mysql_optionsv(m, MYSQL_OPT_LOCAL_INFILE, &off);
  InstallRefusingHandler(m);
}

StreamGrant::StreamGrant(MYSQL* m, InfileStream& stream) : m_(m), stream_(stream) {
  const unsigned auto_mode = kLocalInfileAuto;
  mysql_optionsv(m_, MYSQL_OPT_LOCAL_INFILE, &auto_mode);
  mysql_set_local_infile_handler(m_, &Init, &Read, &End, &Error, this);
}

StreamGrant::~StreamGrant() { RefuseFileRequests(m_); }

int StreamGrant::Init(void** ptr, const char* name, void* userdata) {
  auto* self = static_cast<StreamGrant*>(userdata);
  *ptr = self;
  if (name == nullptr || std::strcmp(name, kInfileStreamName) != 0) {
    // The name is the server's text: kept printable, as it goes into
    // messages and logs.
    std::string asked = std::string(name ? name : "").substr(0, 200);
    for (char& c : asked) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    }
    self->refused_name_ = asked.empty() ? std::string("(empty name)") : asked;
    return 1;
  }
  return 0;
}

int StreamGrant::Read(void* ptr, char* buf, unsigned int len) {
  return static_cast<StreamGrant*>(ptr)->stream_.Read(buf, len);
}

void StreamGrant::End(void*) {}

int StreamGrant::Error(void* ptr, char* msg, unsigned int len) {
  auto* self = static_cast<StreamGrant*>(ptr);
  if (self && !self->refused_name_.empty()) {
    std::snprintf(msg, len, "the server asked for the local file '%s' instead of Godwit's row stream: refused",
                  self->refused_name_.c_str());
  } else {
    std::snprintf(msg, len, "%s", "reading the rows to load failed");
  }
  return CR_UNKNOWN_ERROR;
}

}  // namespace godwit::mysql
